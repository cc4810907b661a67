import { MessageBar, MessageBarBody, MessageBarTitle } from '@fluentui/react-components';

/** Why the server refused an action (its own message: a 409 names the chat's status), inside the dialog that asked. */
export function ActionProblem({ title, message }: { title: string; message: string | undefined }) {
  if (!message) return null;
  return (
    <MessageBar intent="error" layout="multiline" role="alert">
      <MessageBarBody>
        <MessageBarTitle>{title}</MessageBarTitle>
        {message}
      </MessageBarBody>
    </MessageBar>
  );
}

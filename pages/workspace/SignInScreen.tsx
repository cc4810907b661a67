import { Button, Card, Field, Input, makeStyles, MessageBar, MessageBarBody, Text, Title2, tokens } from '@fluentui/react-components';
import { useState, type FormEvent } from 'react';

const useStyles = makeStyles({
  root: {
    flexGrow: 1,
    display: 'flex',
    alignItems: 'center',
    justifyContent: 'center',
    padding: tokens.spacingHorizontalL,
    backgroundColor: tokens.colorNeutralBackground2,
    overflowY: 'auto',
  },
  card: { width: '100%', maxWidth: '24rem', padding: tokens.spacingHorizontalXXL },
  form: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalL },
  hint: { color: tokens.colorNeutralForeground3 },
});

export interface SignInScreenProps {
  title: string;
  problem?: string;
  busy?: boolean;
  /** A user gesture: the page may ask for what needs one (sound, notifications) here. */
  onSignIn: (userId: string, token: string) => void;
}

/**
 * The development sign-in (the local host): a user of the configuration and its token. In Azure the
 * page goes to App Service's sign-in instead and this screen is not shown.
 */
export function SignInScreen({ title, problem, busy, onSignIn }: SignInScreenProps) {
  const styles = useStyles();
  const [userId, setUserId] = useState('');
  const [token, setToken] = useState('');
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (userId.trim() && token.trim()) onSignIn(userId, token);
  };
  return (
    <main className={styles.root}>
      <Card className={styles.card}>
        <form className={styles.form} onSubmit={submit} aria-labelledby="sign-in-title">
          <Title2 as="h1" id="sign-in-title">{title}</Title2>
          <Text className={styles.hint}>
            Sign in with a user of this Switchboard's configuration and its development token, like alice and dev-alice.
          </Text>
          {problem && (
            <MessageBar intent="error" role="alert">
              <MessageBarBody>{problem}</MessageBarBody>
            </MessageBar>
          )}
          <Field label="User id" required>
            <Input value={userId} onChange={(_, data) => setUserId(data.value)} autoComplete="username" autoFocus />
          </Field>
          <Field label="Development token" required>
            <Input type="password" value={token} onChange={(_, data) => setToken(data.value)} autoComplete="current-password" />
          </Field>
          <Button appearance="primary" type="submit" disabled={busy || !userId.trim() || !token.trim()}>
            {busy ? 'Signing in…' : 'Sign in'}
          </Button>
        </form>
      </Card>
    </main>
  );
}

import { el } from './dom';
import { fieldProblem, NAME_FIELD, serverProblems } from './prechatRules';
import type { PrechatField, PrechatType } from './siteApi';

/**
 * The pre-chat form: the customer's name (optional) and the site's questions, each with its label, a
 * required mark, the input its type asks for, and its problem shown beneath it. It knows nothing of
 * HTTP: it hands the answers to `onSubmit` and shows what it is told to.
 */
export interface PrechatFormOptions {
  title: string;
  fields: readonly PrechatField[];
  onSubmit(values: ReadonlyMap<string, string>): void;
}

export interface PrechatForm {
  element: HTMLFormElement;
  setBusy(busy: boolean): void;
  /** A 400 from the server: each problem by the field it names, the rest at the top. */
  showServerProblems(message: string): void;
  /** A problem of the whole form (too many chats, the service unreachable). */
  showFormError(text: string): void;
  focusFirst(): void;
}

const INPUT_TYPES: Record<Exclude<PrechatType, 'choice'>, { type: string; inputmode?: string; autocomplete?: string }> = {
  text: { type: 'text' },
  email: { type: 'email', inputmode: 'email', autocomplete: 'email' },
  phone: { type: 'tel', inputmode: 'tel', autocomplete: 'tel' },
  number: { type: 'text', inputmode: 'decimal' },
};

interface FieldView {
  field: PrechatField;
  control: HTMLInputElement | HTMLSelectElement;
  error: HTMLElement;
  touched: boolean;
}

export function prechatForm(options: PrechatFormOptions): PrechatForm {
  const nameField: PrechatField = { variable: NAME_FIELD, label: 'Your name', type: 'text', required: false };
  const views = [nameField, ...options.fields].map(fieldView);
  const formError = el('div', { class: 'form-error', role: 'alert', tabindex: '-1', hidden: true });
  const submit = el('button', { type: 'submit', class: 'button primary' }, 'Start chat');
  const anyRequired = options.fields.some((f) => f.required);
  const element = el('form', { class: 'prechat card', novalidate: true, 'aria-labelledby': 'prechat-title' },
    el('h1', { id: 'prechat-title', class: 'card-title' }, options.title),
    el('p', { class: 'lede' }, 'Tell us a little about what you need and we will connect you.'),
    formError,
    ...views.map((v) => v.control.closest('.field') as HTMLElement),
    el('div', { class: 'actions' }, submit),
    anyRequired ? el('p', { class: 'note' }, el('span', { class: 'required', 'aria-hidden': 'true' }, '*'), ' Required') : null,
  );

  element.addEventListener('submit', (event) => {
    event.preventDefault();
    showFormError(undefined);
    const invalid = views.filter((v) => !check(v, true));
    if (invalid.length > 0) return invalid[0]?.control.focus();
    options.onSubmit(new Map(views.map((v) => [v.field.variable, v.control.value])));
  });

  function fieldView(field: PrechatField): FieldView {
    const id = `field-${field.variable.replace(/[^\w-]/g, '_')}`;
    const error = el('p', { id: `${id}-error`, class: 'field-error', hidden: true });
    const control = field.type === 'choice' ? choiceControl(field, id) : inputControl(field, id);
    control.setAttribute('aria-describedby', error.id);
    const label = el('label', { for: id }, field.label,
      field.required ? el('span', { class: 'required', 'aria-hidden': 'true' }, ' *') : el('span', { class: 'optional' }, ' (optional)'));
    el('div', { class: 'field' }, label, control, error);
    const view: FieldView = { field, control, error, touched: false };
    control.addEventListener('blur', () => {
      view.touched = control.value.trim() !== '' || view.touched;
      if (view.touched) check(view, false);
    });
    control.addEventListener('input', () => {
      if (view.touched || !view.error.hidden) check(view, false);
    });
    return view;
  }

  /** Shows or clears the field's problem; true when its answer is fine. */
  function check(view: FieldView, submitting: boolean): boolean {
    view.touched ||= submitting;
    const problem = fieldProblem(view.field, view.control.value);
    showFieldError(view, problem);
    return problem === undefined;
  }

  function showFieldError(view: FieldView, problem: string | undefined): void {
    view.error.textContent = problem ?? '';
    view.error.hidden = problem === undefined;
    view.control.setAttribute('aria-invalid', String(problem !== undefined));
    view.control.closest('.field')?.classList.toggle('invalid', problem !== undefined);
  }

  function showFormError(text: string | undefined): void {
    formError.textContent = text ?? '';
    formError.hidden = text === undefined;
  }

  return {
    element,
    setBusy(busy) {
      submit.disabled = busy;
      submit.textContent = busy ? 'Starting…' : 'Start chat';
      element.setAttribute('aria-busy', String(busy));
    },
    showServerProblems(message) {
      const { byField, general } = serverProblems(message, options.fields);
      for (const view of views) if (byField.has(view.field.variable)) showFieldError(view, byField.get(view.field.variable));
      showFormError(general.length > 0 ? general.join(' ') : undefined);
      const first = views.find((v) => byField.has(v.field.variable));
      if (first) first.control.focus();
      else formError.focus();
    },
    showFormError(text) {
      showFormError(text);
    },
    focusFirst() {
      (views.find((v) => v.field.required) ?? views[0])?.control.focus();
    },
  };
}

function inputControl(field: PrechatField, id: string): HTMLInputElement {
  const kind = INPUT_TYPES[field.type as Exclude<PrechatType, 'choice'>] ?? INPUT_TYPES.text;
  return el('input', {
    id,
    name: field.variable,
    type: kind.type,
    inputmode: kind.inputmode,
    autocomplete: field.variable === NAME_FIELD ? 'name' : kind.autocomplete ?? 'off',
    required: field.required,
    'aria-required': field.required ? 'true' : undefined,
    maxlength: '4000',
  });
}

function choiceControl(field: PrechatField, id: string): HTMLSelectElement {
  return el('select', { id, name: field.variable, required: field.required, 'aria-required': field.required ? 'true' : undefined },
    el('option', { value: '' }, field.required ? 'Choose…' : 'Choose… (optional)'),
    ...(field.options ?? []).map((option) => el('option', { value: option }, option)));
}

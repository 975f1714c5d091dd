/**
 * The one error type. A short list of codes; `message` is for developers and logs, `userMessage` is safe to show.
 * `src/server/errors.ts` is the one place that maps codes to HTTP statuses.
 */
export const errorCodes = [
  'invalid_input', // a request or file that does not validate; `details.issues` carries field paths
  'invalid_config', // a setting that stops start-up
  'unauthenticated', // no or bad credentials
  'forbidden', // authenticated, but the role does not allow it
  'csrf', // a cookie-authenticated change without the CSRF token
  'not_found', // missing, or belongs to another workspace (never say which)
  'conflict', // unique key taken, or a state change that is not allowed now
  'protection', // the change would lower a contact's protection (make a suppressed contact mailable)
  'rate_limited',
  'unavailable', // a dependency is down (database, SMTP)
  'internal',
] as const;

export type ErrorCode = (typeof errorCodes)[number];

export type Issue = { path: string; message: string };

const defaultUserMessages: Record<ErrorCode, string> = {
  invalid_input: 'Some of the input is not valid.',
  invalid_config: 'The configuration is not valid.',
  unauthenticated: 'Please sign in.',
  forbidden: 'You are not allowed to do this.',
  csrf: 'The form expired; reload the page and try again.',
  not_found: 'Not found.',
  conflict: 'This conflicts with existing data.',
  protection: 'This change would make a protected contact reachable again, which is not allowed.',
  rate_limited: 'Too many requests; try again shortly.',
  unavailable: 'The service is temporarily unavailable.',
  internal: 'Something went wrong on our side.',
};

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly userMessage: string;
  readonly details?: { issues?: Issue[]; [key: string]: unknown };

  constructor(code: ErrorCode, message: string, options: { userMessage?: string; details?: AppError['details']; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.userMessage = options.userMessage ?? (code === 'invalid_config' ? message : defaultUserMessages[code]);
    this.details = options.details;
  }
}

export function isAppError(err: unknown): err is AppError {
  return err instanceof AppError;
}

/** Builds an `invalid_input` error from zod-style issues (path arrays become dotted paths). */
export function invalidInput(issues: { path: PropertyKey[]; message: string }[], prefix = ''): AppError {
  const mapped = issues.map((i) => ({ path: [prefix, ...i.path.map(String)].filter(Boolean).join('.'), message: i.message }));
  const first = mapped[0];
  return new AppError('invalid_input', first ? `${first.path || '(body)'}: ${first.message}` : 'invalid input', {
    userMessage: first ? `${first.path || 'input'}: ${first.message}` : defaultUserMessages.invalid_input,
    details: { issues: mapped },
  });
}

/** Expected failures are returned, not thrown, by use cases that can fail on ordinary input. */
export type Result<T> = { ok: true; value: T } | { ok: false; error: AppError };

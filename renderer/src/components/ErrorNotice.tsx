import type { ShownError } from '../rtcw';

/** An error shown where it happened, with what to do next. */
export function ErrorNotice({ error, onDismiss }: { error: ShownError | null; onDismiss?: () => void }) {
  if (!error) return null;
  return (
    <div className="notice error" role="alert">
      <div className="notice-title">{error.message}</div>
      <div>{error.next}</div>
      {onDismiss && (
        <button type="button" className="link small" onClick={onDismiss}>
          Dismiss
        </button>
      )}
    </div>
  );
}

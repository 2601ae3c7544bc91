import { useEffect, useRef } from 'react';
import type { ShownError } from '../rtcw';

/**
 * An error shown where it happened, with what to do next. It scrolls itself into view when it
 * appears, so a message is never below the fold or above a scrolled-away form.
 */
export function ErrorNotice({
  error,
  onDismiss,
  action,
}: {
  error: ShownError | null;
  onDismiss?: () => void;
  /** A way out offered with the error, e.g. "Open read-only" for a study another program writes. */
  action?: { label: string; run: () => void };
}) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (error) ref.current?.scrollIntoView?.({ block: 'nearest' });
  }, [error]);
  if (!error) return null;
  return (
    <div className="notice error" role="alert" ref={ref}>
      <div className="notice-title">{error.message}</div>
      <div>{error.next}</div>
      {action && (
        <button type="button" className="small" onClick={action.run}>
          {action.label}
        </button>
      )}
      {onDismiss && (
        <button type="button" className="link small" onClick={onDismiss}>
          Dismiss
        </button>
      )}
    </div>
  );
}

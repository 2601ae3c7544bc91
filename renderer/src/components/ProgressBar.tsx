/** A labelled progress bar; pct null = indeterminate (work started, no estimate yet). */
export function ProgressBar({ label, pct, message }: { label: string; pct: number | null; message?: string }) {
  const value = pct === null ? undefined : Math.max(0, Math.min(100, Math.round(pct)));
  return (
    <div className={`progress${value === undefined ? ' progress-indeterminate' : ''}`}>
      <div className="small">
        <strong>{label}</strong>
        {value !== undefined && <span> — {value}%</span>}
        {message && <span className="muted"> · {message}</span>}
      </div>
      <div
        className="progress-track"
        role="progressbar"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={value}
        aria-valuetext={message ? `${value ?? 0}% ${message}` : undefined}
      >
        <div className="progress-fill" style={value === undefined ? undefined : { width: `${value}%` }} />
      </div>
    </div>
  );
}

export function Progress({ fraction, message, onCancel, label }: { fraction: number | null; message: string; onCancel?: () => void; label: string }) {
  return (
    <div className="progress" role="status" aria-label={label}>
      <div className="progress-row">
        <progress max={1} value={fraction ?? undefined} aria-label={label} />
        {onCancel && (
          <button className="text-button small" onClick={onCancel} aria-label={`Cancel ${label.toLowerCase()}`}>
            Cancel
          </button>
        )}
      </div>
      <div className="progress-message">{message}</div>
    </div>
  );
}

export function Spinner({ label = 'Loading…' }: { label?: string }) {
  return (
    <p role="status" aria-live="polite" style={{ color: '#6b7280' }}>
      {label}
    </p>
  );
}

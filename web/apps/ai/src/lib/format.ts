// Numbers and dates as the user reads them.

const integer = new Intl.NumberFormat('en-US');

export const formatInteger = (n: number) => integer.format(n);

/** A USD decimal string ("0.000150") as "$0.00015"; at least two decimals, no trailing zeros past them. */
export function formatCost(usd: string): string {
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(usd.trim());
  if (!m) return `$${usd}`;
  const [, sign, whole, fraction = ''] = m;
  let decimals = fraction.replace(/0+$/, '');
  if (decimals.length < 2) decimals = decimals.padEnd(2, '0');
  return `${sign}$${integer.format(Number(whole))}.${decimals}`;
}

/** Bytes as "512 B", "3.4 KB", "1.2 MB". */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

/** A timestamp as a short local date and time ("Nov 29, 06:30"); today's as the time only. */
export function formatWhen(iso: string, now: Date = new Date()): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const sameDay = d.toDateString() === now.toDateString();
  return sameDay
    ? d.toLocaleTimeString('en-US', { hour: '2-digit', minute: '2-digit' })
    : d.toLocaleString('en-US', { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
}

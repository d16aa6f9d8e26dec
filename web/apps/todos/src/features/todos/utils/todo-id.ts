/**
 * A fresh todo id chosen by the client: 24 lowercase hexadecimal digits (96 random bits
 * from crypto.getRandomValues). Sent with addTodo, it makes a retried request return the
 * todo the first attempt made instead of creating a second one.
 */
export function newTodoId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

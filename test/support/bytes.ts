/** Cuts `bytes` at the given (sorted, in-range) positions: how a transport may deliver them. */
export function cut(bytes: Uint8Array, positions: readonly number[]): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  let start = 0;
  for (const p of positions) {
    chunks.push(bytes.slice(start, p));
    start = p;
  }
  chunks.push(bytes.slice(start));
  return chunks;
}

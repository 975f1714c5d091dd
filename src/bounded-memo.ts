/**
 * A bounded memo of a pure function of one key. Two generations of `size` entries: a hit in the older one moves
 * the entry to the newer, and a full newer one becomes the older. The ~`size` most recently used keys stay, where
 * one map cleared when full thrashed on inputs with more distinct keys than it held (an import's ~10,000 domains).
 * Holds at most 2 × `size` entries. `compute` must never return undefined.
 */
export function boundedMemo<K, V>(size: number, compute: (key: K) => V): (key: K) => V {
  let recent = new Map<K, V>();
  let older = new Map<K, V>();
  return (key) => {
    let value = recent.get(key);
    if (value !== undefined) return value;
    value = older.get(key) ?? compute(key);
    if (recent.size >= size) {
      older = recent;
      recent = new Map();
    }
    recent.set(key, value);
    return value;
  };
}

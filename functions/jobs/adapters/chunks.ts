/**
 * `items` cut into consecutive pieces of at most `size`, in order: the AWS batch calls take a
 * fixed number of entries per request (10 for SQS, 25 for BatchWriteItem).
 */
export function chunksOf<T>(items: readonly T[], size: number): T[][] {
  return Array.from({ length: Math.ceil(items.length / size) }, (_, index) => items.slice(index * size, (index + 1) * size));
}

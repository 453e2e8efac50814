/** True for a plain JSON object (not an array, not null): the guard every JSON reader in eks-dr narrows with. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

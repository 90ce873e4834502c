/** Field of the reaping hash for one incarnation; NUL cannot occur in an instance id. */
export function reapingField(instanceId: string, incarnation: string): string {
  return `${instanceId}\0${incarnation}`;
}

export function parseReapingField(field: string): { instanceId: string; incarnation: string } {
  const at = field.lastIndexOf('\0');
  return { instanceId: field.slice(0, at), incarnation: field.slice(at + 1) };
}

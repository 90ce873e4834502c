import { namespaceProblems } from '../reader/namespace-check';
import type { SauReader } from '../reader/sau-reader';
import type { Output } from './output';

/**
 * One stderr line for each thing that would make the numbers silently wrong: a namespace without
 * any data (a typo reads zeros that look real), and days read in another zone than the monitors
 * count them in. Data commands still print what they read.
 */
export async function warnAboutNamespace(
  reader: SauReader,
  output: Output,
  { timezone = true }: { timezone?: boolean } = {},
): Promise<void> {
  const problems = namespaceProblems(await reader.checkNamespace());
  if (problems.data) output.note(`sau-cli: warning: ${problems.data}`);
  if (timezone && problems.timezone) output.note(`sau-cli: warning: ${problems.timezone}`);
}

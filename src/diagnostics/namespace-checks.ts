import { namespaceProblems } from '../reader/namespace-check';
import type { SauReader } from '../reader/sau-reader';
import type { DoctorCheck } from './doctor-check';

/**
 * The doctor's `namespace` and `time zone` rows: a warning when the namespace has no data at all
 * (with the namespaces this Redis holds), and when the doctor's zone differs from the one the
 * live monitors count days in.
 */
export async function checkNamespaceAndZone(reader: SauReader): Promise<DoctorCheck[]> {
  const check = await reader.checkNamespace();
  const problems = namespaceProblems(check);
  const zones = check.monitorTimezones;
  const zoneOk =
    zones.length > 0
      ? `the monitors count days in ${zones.join(' and ')}, as asked`
      : `no live monitor records its zone; days are read in ${check.timezone}`;
  return [
    problems.data
      ? { name: 'namespace', status: 'warn', detail: problems.data }
      : { name: 'namespace', status: 'ok', detail: `${check.namespace} holds data` },
    problems.timezone
      ? { name: 'time zone', status: 'warn', detail: problems.timezone }
      : { name: 'time zone', status: 'ok', detail: zoneOk },
  ];
}

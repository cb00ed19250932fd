import { runDoctor } from '../../doctor/doctor.ts';
import { passed, reportJson, reportText } from '../../doctor/report.ts';
import type { Io } from './main.ts';

/** `saoma doctor [--json]`: the report on stdout; exit status 1 when any check is ❌, else 0. */
export async function doctorCommand(json: boolean, io: Io): Promise<number> {
  const report = await runDoctor(io.env);
  io.out(json ? reportJson(report) : reportText(report));
  return passed(report) ? 0 : 1;
}

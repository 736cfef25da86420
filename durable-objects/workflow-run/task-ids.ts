// A task's id carries its run's: `tsk_<run id body><number>`. Completing, heartbeating or reading a task
// then goes straight to its run's object, with no lookup in D1 on an agent's hot path.

const RUN_BODY_LENGTH = 26;
const ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz";
const NUMBER_DIGITS = 4;

export function taskIdFor(runId: string, n: number): string {
  let digits = "";
  for (let rest = n, i = 0; i < NUMBER_DIGITS; i++, rest = Math.floor(rest / 32)) digits = ALPHABET[rest % 32] + digits;
  return `tsk_${runId.slice("run_".length)}${digits}`;
}

const TASK_ID = new RegExp(`^tsk_([${ALPHABET}]{${RUN_BODY_LENGTH}})[${ALPHABET}]{${NUMBER_DIGITS}}$`);

/** The run a task id belongs to, or null when it is no task id. */
export function runIdOfTask(taskId: string): string | null {
  const match = TASK_ID.exec(taskId);
  return match ? `run_${match[1]}` : null;
}

const RUN_ID = new RegExp(`^run_[${ALPHABET}]{${RUN_BODY_LENGTH}}$`);
export const isRunId = (id: string) => RUN_ID.test(id);

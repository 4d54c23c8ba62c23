import type { Scheduler } from './scheduler.ts';

/** Rejects if `work` takes longer than `ms` (the work itself cannot be stopped, only abandoned). */
export function runWithTimeout<T>(
  work: () => Promise<T> | T,
  ms: number,
  scheduler: Scheduler,
  what: string,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const cancel = scheduler.after(ms, () => reject(new Error(`${what} took longer than ${ms} ms`)));
    Promise.resolve()
      .then(work)
      .then(
        (value) => {
          cancel();
          resolve(value);
        },
        (error: unknown) => {
          cancel();
          reject(error);
        },
      );
  });
}

export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  return String(error);
}

// What a drain waits for: the requests being handled.
/**
 * Requests whose handling has not finished, whether or not their client is still connected: a drain waits for
 * these, not only for the connections, so a call whose client went away still finishes and is counted.
 */
export class ActiveRequests {
  private count = 0;
  private waiters: Array<() => void> = [];

  enter(): void {
    this.count++;
  }

  leave(): void {
    if (--this.count > 0) return;
    for (const resolve of this.waiters.splice(0)) resolve();
  }

  /** Resolves once no request is being handled. */
  idle(): Promise<void> {
    return this.count === 0 ? Promise.resolve() : new Promise((resolve) => this.waiters.push(resolve));
  }
}

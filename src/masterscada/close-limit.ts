/**
 * Every close of a MasterSCADA node or config node ends within this, however
 * the runtime behaves (Node-RED allows 15 s for all nodes together and logs
 * "Error stopping node" after that). Logout and DeleteSubscription on delete
 * have shorter limits of their own inside it.
 */
export const CLOSE_LIMIT_MS = 4500;

/** Resolves when `promise` settles or after `ms`, whichever comes first; never rejects. */
export function settleWithin(promise: Promise<unknown>, ms: number = CLOSE_LIMIT_MS): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    const finish = (): void => {
      clearTimeout(timer);
      resolve();
    };
    promise.then(finish, finish);
  });
}

/**
 * Every close of a MasterSCADA node or config node ends within this, however
 * the runtime behaves (Node-RED allows 15 s for all nodes together and logs
 * "Error stopping node" after that). The calls that release server resources
 * on close have the shorter RELEASE_TIMEOUT_MS inside it.
 */
export const CLOSE_LIMIT_MS = 4500;

/**
 * Limit of one call that gives a server resource back on close or stop
 * (Logout, DeleteSubscription, CloseMetabase): a server that does not answer
 * must not hold up a Node-RED close.
 */
export const RELEASE_TIMEOUT_MS = 3000;

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

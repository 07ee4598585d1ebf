// The one order of resourceVersions, for every "is this object newer than the one I have?".

const INTEGER = /^\d+$/;

/**
 * True when `incoming` is a newer resourceVersion than `known`, so that the object carrying it should
 * replace the known one. The incoming version wins unless it is shown not to be newer:
 * - two decimal integers compare as numbers (BigInt: they outgrow 2^53). The API contract calls
 *   resourceVersions opaque, but every etcd-backed API server hands out increasing integers;
 * - otherwise two versions can only be told equal or different: equal is not newer, different is
 *   (watch events of one object arrive in order, so the later one is the one to keep);
 * - a missing or empty version is older than any other; of two missing ones, the incoming wins.
 */
export function isNewerResourceVersion(incoming: string | undefined, known: string | undefined): boolean {
  if (!incoming) return !known;
  if (!known) return true;
  if (INTEGER.test(incoming) && INTEGER.test(known)) return BigInt(incoming) > BigInt(known);
  return incoming !== known;
}

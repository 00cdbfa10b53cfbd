/** The shared-memory handshake between lloyd() and its partner thread. */

/** Slots of the control array (Int32). */
export const CTRL = {
  /** Bumped by the main thread for each step it asks for. */
  request: 0,
  /** Set by the partner to the request it finished. */
  done: 1,
  /** Labels the partner's step changed, or -1 when it failed. */
  changed: 2,
  /** 1: loosen the bounds by the drift first (every step but the first). */
  hasDrift: 3,
  /** The centre that moved most in the last step. */
  mostJ: 4,
  /** 1: the job is over; the partner goes back to waiting for messages. */
  end: 5,
  /** 1 once the partner has the job's arrays. */
  ready: 6,
} as const;
export const CTRL_SLOTS = 8;

/** One lloyd() run, as the partner receives it: shared arrays and its range of points. */
export interface PartnerJob {
  ctrl: SharedArrayBuffer;
  points: SharedArrayBuffer;
  weights: SharedArrayBuffer;
  proj: SharedArrayBuffer;
  axis: SharedArrayBuffer;
  labels: SharedArrayBuffer;
  upper: SharedArrayBuffer;
  lower: SharedArrayBuffer;
  centers: SharedArrayBuffer;
  /** The partner's sums (k x d) and masses (k), and the drift: moved (k) + most, secondMost. */
  sums: SharedArrayBuffer;
  mass: SharedArrayBuffer;
  moved: SharedArrayBuffer;
  mostPair: SharedArrayBuffer;
  d: number;
  from: number;
  to: number;
}

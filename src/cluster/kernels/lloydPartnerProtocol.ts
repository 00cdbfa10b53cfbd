/** The handshake between a k-means run and its partner thread. */

/** Slots of the control array (Int32). */
export const CTRL = {
  /** Bumped by the main thread for each step it asks for. */
  request: 0,
  /** Set by the partner to the request it finished. */
  done: 1,
  /** Labels the partner's step changed, or -1 when it failed. */
  changed: 2,
  /** 1: the job is over; the partner goes back to waiting for messages. */
  end: 3,
  /** 1 once the partner has instantiated the kernels on the job's memory. */
  ready: 4,
  /** The next part of the step's points to take (both threads take parts until none is left). */
  next: 5,
} as const;
export const CTRL_SLOTS = 8;

/** One run, as the partner receives it. */
export interface PartnerJob {
  ctrl: SharedArrayBuffer;
  /** The compiled kernels (a WebAssembly.Module) and their shared WebAssembly.Memory. */
  module: object;
  memory: object;
  /** Each part's Step block (its own sums) and points from..to-1; the top of its own stack. */
  steps: number[];
  from: number[];
  to: number[];
  stackTop: number;
}

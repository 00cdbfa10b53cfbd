import { availableParallelism } from 'node:os';
import { isMainThread, Worker } from 'node:worker_threads';
import { builtScript } from '../../runtime/builtScript.js';
import { threadExecArgv } from '../../runtime/threadExecArgv.js';
import { decodeTileRow, type TileRowJob } from './decodeTileRow.js';

const SCRIPT = builtScript(new URL('./tileDecodeWorker.js', import.meta.url));

/** From this size an image is worth starting decode threads for (tens of milliseconds). */
export const THREADED_PIXELS = 4 * 1024 * 1024;

/** More threads than this would only wait on one another for the disk and the memory bus. */
const MOST_THREADS = 4;

/**
 * Jobs a thread holds at once: the one it decodes and the next, so that it never waits for the
 * main thread to hand it work. Jobs wait here rather than in a thread's queue: one handed out
 * early to a thread that turns out slow holds up every block after it.
 */
const JOBS_PER_THREAD = 2;

interface Pending {
  id: number;
  job: TileRowJob;
  into: Uint8Array | undefined;
  /** Where it was sent, once it was. */
  thread?: Worker;
  resolve(pixels: Uint8Array): void;
  reject(err: Error): void;
}

/**
 * The process's tile decode threads: tile rows decode side by side while the main thread counts
 * or matches the band before, as libvips' own threads would. Started on first use, shared by
 * every image, and holding the process open only while a job is out. Off the main thread (a
 * batch runs one image per thread, which keeps the cores busy already), without a second core,
 * or once a thread has died, tile rows decode on the calling thread: the same bytes.
 */
class TileDecodeThreads {
  private readonly threads: Worker[] = [];
  /** Jobs not sent yet, in the order they came. */
  private readonly waiting: Pending[] = [];
  /** Jobs sent to a thread, by id. */
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private broken = false;

  /** How many tile rows are worth decoding at once: 1 where they decode on the calling thread. */
  get count(): number {
    return this.wanted ? Math.min(MOST_THREADS, availableParallelism()) : 1;
  }

  /**
   * The job's pixels, decoded on a thread where there are threads (and `threaded`, for images
   * big enough to be worth starting them), over `into` when it has their size (it is moved to the
   * thread meanwhile: views of it read as empty).
   */
  decode(job: TileRowJob, into: Uint8Array | undefined, threaded: boolean): Promise<Uint8Array> {
    if (threaded && this.wanted && this.threads.length < this.count) this.spawn();
    if (!threaded || !this.wanted) return Promise.resolve().then(() => decodeTileRow(job, into));
    return new Promise<Uint8Array>((resolve, reject) => {
      this.waiting.push({ id: this.nextId++, job, into, resolve, reject });
      this.handOut();
    });
  }

  /** Sends waiting jobs to the threads that hold fewer than JOBS_PER_THREAD. */
  private handOut(): void {
    for (const thread of this.threads) {
      let held = this.heldBy(thread);
      while (held < JOBS_PER_THREAD && this.waiting.length > 0) {
        const p = this.waiting.shift() as Pending;
        p.thread = thread;
        this.pending.set(p.id, p);
        held++;
        thread.ref();
        const { id, job, into } = p;
        if (into) thread.postMessage({ id, job, into }, [into.buffer as ArrayBuffer]);
        else thread.postMessage({ id, job });
      }
    }
  }

  private heldBy(thread: Worker): number {
    let held = 0;
    for (const p of this.pending.values()) if (p.thread === thread) held++;
    return held;
  }

  private get wanted(): boolean {
    return !this.broken && isMainThread && SCRIPT !== undefined && availableParallelism() >= 2;
  }

  /** One more thread; none, ever again, if one cannot be started. */
  private spawn(): void {
    let thread: Worker;
    try {
      thread = new Worker(SCRIPT as URL, { execArgv: threadExecArgv() });
    } catch {
      this.broken = true;
      return;
    }
    this.threads.push(thread);
    thread.unref();
    thread.on('message', (reply: { id: number; pixels?: Uint8Array; error?: string }) => {
      const p = this.pending.get(reply.id);
      this.pending.delete(reply.id);
      this.handOut();
      if (this.heldBy(thread) === 0) thread.unref();
      if (reply.pixels) p?.resolve(reply.pixels);
      else p?.reject(new Error(reply.error));
    });
    // A thread that dies takes no job with it: what it held is decoded here, and no thread is
    // used again (an unheard 'error' event would end the process).
    const lost = (): void => this.lose(thread);
    thread.on('error', lost);
    thread.on('exit', lost);
  }

  private lose(thread: Worker): void {
    this.broken = true;
    const others = this.threads.splice(0);
    for (const t of others) if (t !== thread) void t.terminate();
    // What the other threads held comes back when they exit (here again).
    const lost = [...this.pending.values()].filter((p) => p.thread === thread);
    for (const p of [...lost, ...this.waiting.splice(0)]) {
      this.pending.delete(p.id);
      try {
        // A job sent with a buffer took it along: this one decodes into fresh memory.
        p.resolve(decodeTileRow(p.job, p.thread ? undefined : p.into));
      } catch (err) {
        p.reject(err as Error);
      }
    }
  }
}

export const tileDecodeThreads = new TileDecodeThreads();

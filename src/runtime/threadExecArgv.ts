/** Options that say how to run code given on the command line (`-pe` is `-p` and `-e` at once). */
const CODE_OPTION = /^(-e|--eval|-p|--print|-pe|--input-type)(=|$)/;

/**
 * The Node options our worker threads start with: undefined, the process's own, unless those say
 * how to run code given on its command line; then none. A thread started from a file with
 * `--input-type` dies at once ("--input-type can only be used with string input"): a library
 * called from `node --input-type=module -e ...` failed every file of a batch, and waited 3 s for
 * a k-means partner that never came. None rather than the rest: a list given to a thread must
 * hold no V8 or process option (`--expose-gc` throws), and those apply to every thread already.
 */
export function threadExecArgv(
  execArgv: readonly string[] = process.execArgv,
): string[] | undefined {
  return execArgv.some((option) => CODE_OPTION.test(option)) ? [] : undefined;
}

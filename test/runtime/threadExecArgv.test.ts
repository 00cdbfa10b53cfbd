import { expect, test } from 'vitest';
import { threadExecArgv } from '../../src/runtime/threadExecArgv.js';

test.each([
  [['--input-type=module', '-e', 'code', '--expose-gc'], []],
  [['--input-type', 'module', '--eval', 'code'], []],
  [['-p', 'code', '--max-old-space-size=512'], []],
  [['-pe', 'code'], []],
  [['--print=code'], []],
  [['--eval=code'], []],
  [['--expose-gc', '--no-warnings'], undefined],
  [['--enable-source-maps', '--import=./loader.js'], undefined],
])('threads started under %j get %j (undefined: the process options)', (execArgv, given) => {
  expect(threadExecArgv(execArgv)).toEqual(given);
});

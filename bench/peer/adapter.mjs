// adapter.mjs — run a bench definition on the peer engine, the npm package
// aws-local-stepfunctions (3.x), the way `stepfn run` runs it.
//
// Usage (bench/run.py calls it; PEER_DIR is the temporary npm folder):
//   PEER_DIR/node_modules/.bin/node bench/peer/adapter.mjs \
//       --peer-dir PEER_DIR --definition DEF --input-file FILE [--executions K]
//       [--count-from-log]
//
// What it does:
//   - loads the definition and the input, builds a StateMachine with
//     validationOptions.checkArn = false (the peer's validator knows only AWS
//     ARNs; stepfn's `exec:` and http:invoke resources are not ARNs it knows);
//   - gives every Task state a local handler (the peer's
//     overrides.taskResourceLocalHandlers, keyed by state name), chosen by
//     the state's Resource so the peer does the same work stepfn does:
//       exec:PATH                      spawn PATH (no shell), the input as JSON
//                                      on stdin, stdout parsed as JSON (empty:
//                                      null), a non-zero exit fails the task;
//       arn:aws:states:::http:invoke   fetch(ApiEndpoint, Method, Headers,
//                                      RequestBody) with Node's built-in
//                                      fetch (keep-alive pool, like stepfn's
//                                      curl multi), the result shaped as the
//                                      AWS HTTP Task's {StatusCode, StatusText,
//                                      Headers, ResponseBody};
//       http(s)://URL                  POST the input as JSON, the JSON body
//                                      is the result;
//     the handler receives the state's effective input (after Parameters),
//     as stepfn's invokers do;
//   - counts the StateEntered events of the peer's event log, nested Map
//     iterations and Parallel branches included: the peer's transitions,
//     counted the same way as stepfn's. They are counted where the peer
//     emits them (see hookStateEntered); --count-from-log reads the public
//     run().eventLogs instead, which gives the same count but slows the
//     peer down on long runs;
//   - with --executions K, starts K executions of the same machine at once in
//     this one process and waits for all of them (the parked benchmark);
//   - prints one JSON line: {"status", "transitions", "counted", "executions",
//     "output"}
//     (output of the first execution, truncated), and exits 0 only when every
//     execution succeeded.
// Waits are real (no waitTimeOverrides), retries are not overridden.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';

function parseArgs(argv) {
  const o = { executions: 1 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--peer-dir') o.peerDir = v();
    else if (a === '--definition') o.definition = v();
    else if (a === '--input-file') o.inputFile = v();
    else if (a === '--input') o.input = v();
    else if (a === '--executions') o.executions = Number(v());
    else if (a === '--count-from-log') o.countFromLog = true;
    else throw new Error(`unknown argument ${a}`);
  }
  if (!o.peerDir || !o.definition) throw new Error('--peer-dir and --definition are required');
  return o;
}

// Every Task state of a machine, nested Parallel branches and Map processors
// included: [name, state].
function taskStates(machine, out = []) {
  for (const [name, state] of Object.entries(machine.States ?? {})) {
    if (state.Type === 'Task') out.push([name, state]);
    for (const branch of state.Branches ?? []) taskStates(branch, out);
    const processor = state.ItemProcessor ?? state.Iterator;
    if (processor) taskStates(processor, out);
  }
  return out;
}

function execHandler(program) {
  return (input) =>
    new Promise((resolvePromise, reject) => {
      const child = spawn(program, [], { stdio: ['pipe', 'pipe', 'pipe'] });
      const chunks = [];
      child.stdout.on('data', (c) => chunks.push(c));
      child.stderr.resume();
      child.on('error', reject);
      child.stdin.on('error', () => {}); // a program that does not read its stdin
      child.stdin.end(JSON.stringify(input));
      child.on('close', (code) => {
        const text = Buffer.concat(chunks).toString('utf8').trim();
        if (code !== 0) return reject(new Error(`${program} exited with ${code}`));
        try {
          resolvePromise(text === '' ? null : JSON.parse(text));
        } catch (e) {
          reject(e);
        }
      });
    });
}

async function httpInvoke(p) {
  const headers = { ...(p.Headers ?? {}) };
  let body;
  if (p.RequestBody !== undefined) {
    body = typeof p.RequestBody === 'string' ? p.RequestBody : JSON.stringify(p.RequestBody);
    headers['content-type'] ??= 'application/json';
  }
  let url = p.ApiEndpoint;
  if (p.QueryParameters) url += '?' + new URLSearchParams(p.QueryParameters).toString();
  const res = await fetch(url, { method: p.Method ?? 'GET', headers, body });
  const text = await res.text();
  let responseBody = text;
  if ((res.headers.get('content-type') ?? '').includes('json')) {
    try {
      responseBody = JSON.parse(text);
    } catch {
      /* keep the text, as the AWS HTTP Task does */
    }
  }
  const outHeaders = {};
  for (const [k, v] of res.headers) outHeaders[k] = [v];
  const result = { StatusCode: res.status, StatusText: res.statusText, Headers: outHeaders, ResponseBody: responseBody };
  if (res.status < 200 || res.status > 299) throw new Error(`States.Http.StatusCode.${res.status}`);
  return result;
}

async function httpPost(url, input) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(input),
  });
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  return res.json();
}

function handlerFor(state, defDir) {
  const r = state.Resource ?? '';
  if (r.startsWith('exec:')) return execHandler(resolve(defDir, r.slice(5)));
  if (r === 'arn:aws:states:::http:invoke') return (input) => httpInvoke(input);
  if (r.startsWith('http://') || r.startsWith('https://')) return (input) => httpPost(r, input);
  return undefined; // left to the peer (it would call AWS Lambda)
}

// Counting StateEntered events where the peer emits them: its (private)
// StateMachine.prototype.execute gets the execution's EventLogger, whose
// dispatchStateEnteredEvent is wrapped once, for every logger (nested Map
// and Parallel machines have their own). Reading the public eventLogs
// generator instead makes the peer up to 2x slower on long runs (a promise
// and a listener per event, Array.shift on a growing queue), so that is only
// the fallback, when the internals are not what 3.0 has.
let enteredCount = 0;

function hookStateEntered(StateMachine) {
  const execute = StateMachine.prototype.execute;
  if (typeof execute !== 'function') return false;
  let patched = false;
  StateMachine.prototype.execute = function (input, options, ...rest) {
    const logger = options?.eventLogger;
    const proto = logger && Object.getPrototypeOf(logger);
    if (!patched && proto && typeof proto.dispatchStateEnteredEvent === 'function') {
      const dispatch = proto.dispatchStateEnteredEvent;
      proto.dispatchStateEnteredEvent = function (...args) {
        enteredCount++;
        return dispatch.apply(this, args);
      };
      patched = true;
    }
    if (!patched) throw new Error('adapter: the peer has no EventLogger.dispatchStateEnteredEvent; use --count-from-log');
    return execute.call(this, input, options, ...rest);
  };
  return true;
}

async function countEntered(eventLogs) {
  let n = 0;
  for await (const event of eventLogs) if (event.type === 'StateEntered') n++;
  return n;
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  const require = createRequire(join(resolve(o.peerDir), 'package.json'));
  const { StateMachine } = require('aws-local-stepfunctions');
  const definition = JSON.parse(readFileSync(o.definition, 'utf8'));
  const input = JSON.parse(o.inputFile ? readFileSync(o.inputFile, 'utf8') : (o.input ?? '{}'));
  const defDir = dirname(resolve(o.definition));

  const taskResourceLocalHandlers = {};
  for (const [name, state] of taskStates(definition)) {
    const h = handlerFor(state, defDir);
    if (h) taskResourceLocalHandlers[name] = h;
  }
  const hooked = !o.countFromLog && hookStateEntered(StateMachine);
  const machine = new StateMachine(definition, { validationOptions: { checkArn: false } });
  const runs = [];
  for (let i = 0; i < o.executions; i++) {
    const execution = machine.run(input, { overrides: { taskResourceLocalHandlers } });
    const result = execution.result.then((v) => ({ ok: true, v }), (e) => ({ ok: false, e }));
    runs.push(Promise.all([result, hooked ? 0 : countEntered(execution.eventLogs)]));
  }
  const done = await Promise.all(runs);
  let transitions = hooked ? enteredCount : 0;
  let failed = null;
  for (const [r, n] of done) {
    transitions += n;
    if (!r.ok && !failed) failed = r.e;
  }
  const first = done[0][0];
  const output = first.ok ? JSON.stringify(first.v) ?? 'null' : null;
  process.stdout.write(
    JSON.stringify({
      status: failed ? 'FAILED' : 'SUCCEEDED',
      error: failed ? String(failed?.message ?? failed) : undefined,
      transitions,
      counted: hooked ? 'dispatch' : 'event log',
      executions: o.executions,
      output: output && output.length > 200 ? output.slice(0, 200) + '...' : output,
    }) + '\n',
  );
  process.exitCode = failed ? 1 : 0;
}

main().catch((e) => {
  process.stderr.write(`adapter: ${e?.stack ?? e}\n`);
  process.exitCode = 2;
});

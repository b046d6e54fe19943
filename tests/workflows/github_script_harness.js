// Runs an actions/github-script `script:` body the way the action does (as an async function of
// github, context, core, require) against fakes described by a JSON scenario, and prints what it
// did as JSON. Used by test_github_scripts.py.
//
// Scenario: {script, context, env, responses}. responses["ns.method"] is {data} or {throw} or
// {by: "<param>", cases: {"<value>": {data}|{throw}}, default: {data}|{throw}}.
const fs = require('fs');

const scenario = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
Object.assign(process.env, scenario.env || {});
const result = {
  outputs: {}, failed: [], warnings: [], notices: [], infos: [], summary: [], calls: [],
};

function answer(spec, params) {
  if (!spec) throw new Error('no fake response');
  if (spec.by) {
    const key = String(params[spec.by]);
    return answer(key in spec.cases ? spec.cases[key] : spec.default, params);
  }
  if (spec.throw) throw new Error(spec.throw);
  return { data: spec.data };
}

const rest = new Proxy({}, {
  get: (_t, ns) => new Proxy({}, {
    get: (_u, method) => async (params) => {
      result.calls.push({ method: `${ns}.${method}`, params });
      return answer(scenario.responses[`${ns}.${method}`], params);
    },
  }),
});
const github = { rest, paginate: async (fn, params) => (await fn(params)).data };
const summary = {
  addHeading(t) { result.summary.push(t); return summary; },
  addRaw(t) { result.summary.push(t); return summary; },
  write: async () => summary,
};
const core = {
  setOutput: (k, v) => { result.outputs[k] = String(v); },
  setFailed: (m) => { result.failed.push(m); },
  warning: (m) => { result.warnings.push(m); },
  notice: (m) => { result.notices.push(m); },
  info: (m) => { result.infos.push(m); },
  summary,
};

const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor;
const fn = new AsyncFunction('github', 'context', 'core', 'require', scenario.script);
fn(github, scenario.context, core, require)
  .then(() => { process.stdout.write(JSON.stringify(result)); })
  .catch((e) => { result.thrown = String(e); process.stdout.write(JSON.stringify(result)); });

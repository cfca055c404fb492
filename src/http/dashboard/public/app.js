// Stator dashboard: plain browser JavaScript, no build step, no network beyond the Stator that serves it.
// Live data comes from api/state (once) and api/stream (server-sent events read with fetch, so that
// the credential travels in a header and never in a URL).

const $ = (selector) => document.querySelector(selector);
const el = (tag, attrs = {}, ...children) => {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'text') node.textContent = String(v);
    else node.setAttribute(k, String(v));
  }
  for (const child of children) if (child !== undefined && child !== null) node.append(child);
  return node;
};

const CREDENTIAL = 'stator.dashboard.credential';
const state = {
  session: { details: false, breakerWrite: false, fleet: false },
  status: undefined,
  actors: new Map(), // source -> { source, machine, state }
  events: [],
  alerts: [],
  mode: 'live',
  replay: undefined, // { events, index }
  diagrams: new Map(), // machine id -> { root, nodes: Map(id -> element), actors element }
  charts: [],
  stream: undefined,
};

function headers() {
  const credential = sessionStorage.getItem(CREDENTIAL);
  if (!credential) return {};
  return { authorization: credential.startsWith('stk_') ? `ApiKey ${credential}` : `Bearer ${credential}` };
}

async function getJson(path) {
  const res = await fetch(path, { headers: headers(), cache: 'no-store' });
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`);
  return res.json();
}

// ---------- state names ----------

/** Every state node id a state value occupies: `{ running: { ready: 'waiting' } }` → running, running.ready, running.ready.waiting. */
function stateIds(prefix, value) {
  if (typeof value === 'string') return [`${prefix}.${value}`];
  if (!value || typeof value !== 'object') return [];
  const ids = [];
  for (const [key, child] of Object.entries(value)) {
    ids.push(`${prefix}.${key}`, ...stateIds(`${prefix}.${key}`, child));
  }
  return ids;
}

/** A state value in one line: `running.ready.waiting`. */
function stateText(value) {
  if (typeof value === 'string') return value;
  if (!value || typeof value !== 'object') return String(value);
  return Object.entries(value)
    .map(([k, v]) => `${k}.${stateText(v)}`)
    .join(', ');
}

/** A resource machine's state as the status snapshot names it (`{ running: { ready: ... } }` → `ready`). */
function resourceStateOf(value) {
  if (typeof value === 'string') return value;
  if (!value || typeof value !== 'object') return 'unknown';
  const [top, inner] = Object.entries(value)[0] ?? ['unknown'];
  if (top === 'running' && inner && typeof inner === 'object') return Object.keys(inner)[0] ?? top;
  if (top === 'running' && typeof inner === 'string') return inner;
  return top;
}

const topState = (value) =>
  typeof value === 'string' ? value : value && typeof value === 'object' ? Object.keys(value)[0] : 'unknown';
const time = (ms) => new Date(ms).toLocaleTimeString();

// ---------- machines ----------

async function loadMachines() {
  const { machines } = await getJson('api/machines');
  const host = $('#machines');
  host.replaceChildren();
  for (const { id, svg } of machines) {
    const actors = el('div', { class: 'actors' });
    const diagram = el('div', { class: 'diagram' });
    diagram.innerHTML = svg;
    const root = el('div', { class: 'machine', 'data-machine': id }, el('h3', { text: id }), actors, diagram);
    host.append(root);
    const nodes = new Map();
    for (const g of diagram.querySelectorAll('g.node, g.cluster')) {
      const title = g.querySelector('title')?.textContent ?? '';
      nodes.set(title.startsWith('cluster_') ? title.slice('cluster_'.length) : title, g);
    }
    state.diagrams.set(id, { root, nodes, actors });
  }
}

/** Highlights every state occupied by an actor of each machine, and lists the actors with their states. */
function drawMachines(actors) {
  for (const [id, diagram] of state.diagrams) {
    const mine = [...actors.values()].filter((a) => a.machine === id).sort((a, b) => a.source.localeCompare(b.source));
    const occupied = new Map();
    for (const actor of mine) {
      for (const stateId of stateIds(id, actor.state)) {
        if (!occupied.has(stateId)) occupied.set(stateId, []);
        occupied.get(stateId).push(actor.source);
      }
    }
    for (const [stateId, g] of diagram.nodes) {
      const by = occupied.get(stateId);
      g.classList.toggle('active', Boolean(by));
      if (by) g.setAttribute('data-actors', by.join(' '));
      else g.removeAttribute('data-actors');
    }
    const shown = mine.slice(0, 40);
    diagram.actors.replaceChildren(
      ...shown.map((a) =>
        el('span', {
          class: 'actor',
          'data-actor': a.source,
          'data-state': topState(a.state),
          title: stateText(a.state),
          text: `${a.source}: ${stateText(a.state)}`,
        }),
      ),
      ...(mine.length > shown.length
        ? [el('span', { class: 'muted', text: `+${mine.length - shown.length} more` })]
        : []),
    );
    diagram.root.setAttribute('data-actors', String(mine.length));
  }
}

// ---------- resources ----------

function drawResources(resources) {
  const host = $('#resources');
  host.replaceChildren();
  for (const [name, r] of Object.entries(resources ?? {})) {
    const facts = el('dl');
    const fact = (k, v) => {
      if (v !== undefined && v !== null && v !== '') facts.append(el('dt', { text: k }), el('dd', { text: v }));
    };
    fact('since', r.since ? time(r.since) : undefined);
    fact('reason', r.reason);
    fact('last error', r.lastError?.message);
    if (r.pool)
      fact(
        'pool',
        `${r.pool.busy} busy / ${r.pool.total} open, ${r.pool.pending} waiting (${Math.round(r.pool.utilization * 100)}%)`,
      );
    fact('breaker', r.breaker?.state);
    fact('restarts', r.restarts);
    const card = el(
      'div',
      { class: 'card resource', 'data-resource': name, 'data-state': r.state },
      el('h3', { text: name }),
      el('span', { class: 'state', 'data-resource': name, 'data-state': r.state, text: r.state }),
      facts,
    );
    if (r.breaker && state.session.breakerWrite && state.mode === 'live') {
      for (const action of ['isolate', 'reset']) {
        const button = el('button', {
          type: 'button',
          'data-breaker': name,
          'data-action': action,
          text: `${action} breaker`,
        });
        button.addEventListener('click', () => breakerAction(name, action));
        card.append(button);
      }
    }
    host.append(card);
  }
}

async function breakerAction(name, action) {
  const res = await fetch(`api/breaker/${encodeURIComponent(name)}/${action}`, { method: 'POST', headers: headers() });
  const body = await res.json().catch(() => ({}));
  notice(res.ok ? `breaker ${name}: ${body.state}` : (body.error ?? `HTTP ${res.status}`));
}

function drawStatus(snapshot) {
  state.status = snapshot;
  const overall = $('#overall');
  overall.dataset.status = snapshot?.status ?? 'unknown';
  overall.textContent = snapshot?.status ?? 'unknown';
  if (state.mode !== 'live') return;
  drawResources(snapshot?.resources);
  drawAlerts(snapshot?.alerts ?? []);
}

// ---------- alerts ----------

function drawAlerts(open) {
  const body = $('#alerts tbody');
  body.replaceChildren(
    ...(open.length ? open : [{ rule: 'none pending or firing', status: '' }]).map((a) =>
      el(
        'tr',
        { 'data-alert': a.rule },
        el('td', { text: a.rule }),
        el('td', { 'data-alert-state': a.status, text: a.status }),
        el('td', { text: a.value ?? '' }),
        el('td', { text: a.threshold ?? '' }),
        el('td', { text: a.since ? time(a.since) : '' }),
      ),
    ),
  );
}

function addAlertHistory(t) {
  state.alerts.push(t);
  $('#alert-history').prepend(
    el('li', {
      'data-alert': t.rule,
      'data-to': t.to,
      text: `${time(t.time)} ${t.rule}: ${t.from} → ${t.to} (value ${t.value ?? 'n/a'}, threshold ${t.threshold})`,
    }),
  );
}

// ---------- charts ----------

const CHARTS = [
  { id: 'pool', title: 'Pool use (highest)', series: [{ key: 'poolUse', label: 'utilization', stroke: '#5b6bbf' }] },
  {
    id: 'latency',
    title: 'Latency, worst operation (s)',
    series: [
      { key: 'p50', label: 'p50', stroke: '#1f9d55' },
      { key: 'p95', label: 'p95', stroke: '#d9822b' },
      { key: 'p99', label: 'p99', stroke: '#d64545' },
    ],
  },
  { id: 'errors', title: 'Error rate', series: [{ key: 'errorRate', label: 'errors / ops', stroke: '#d64545' }] },
  { id: 'cache', title: 'Cache hit ratio', series: [{ key: 'hitRatio', label: 'hits', stroke: '#1f9d55' }] },
];

function makeCharts() {
  const host = $('#charts');
  host.replaceChildren();
  state.charts = CHARTS.map((spec) => {
    const box = el('div', { class: 'chart', 'data-chart': spec.id, 'data-points': 0 }, el('h3', { text: spec.title }));
    host.append(box);
    const data = [[], ...spec.series.map(() => [])];
    const plot = new uPlot(
      {
        width: Math.max(260, Math.floor(host.clientWidth / 2) - 20),
        height: 150,
        scales: { x: { time: true } },
        series: [{}, ...spec.series.map((s) => ({ label: s.label, stroke: s.stroke, width: 2, spanGaps: true }))],
        axes: [{}, { size: 46 }],
        legend: { show: true },
      },
      data,
      box,
    );
    return { spec, box, data, plot };
  });
}

function addPoint(point) {
  for (const chart of state.charts) {
    chart.data[0].push(point.time / 1000);
    chart.spec.series.forEach((s, i) => chart.data[i + 1].push(point[s.key] ?? null));
    while (chart.data[0].length > 600) for (const column of chart.data) column.shift();
    chart.plot.setData(chart.data);
    chart.box.dataset.points = String(chart.data[0].length);
  }
}

// ---------- events ----------

function eventLine(e) {
  const stateNote = e.state !== undefined ? ` → ${stateText(e.state)}` : '';
  return el('li', {
    'data-source': e.source,
    'data-type': e.type,
    text: `#${e.seq} ${time(e.time)} ${e.source} ${e.type}${stateNote}`,
  });
}

function eventShown(e) {
  const source = $('#event-source').value;
  const type = $('#event-type').value.trim();
  return (!source || e.source === source) && (!type || e.type.includes(type));
}

const knownSources = new Set();
function noteSource(source) {
  if (knownSources.has(source)) return;
  knownSources.add(source);
  const select = $('#event-source');
  const options = [...knownSources].sort();
  const current = select.value;
  select.replaceChildren(
    el('option', { value: '', text: 'all' }),
    ...options.map((s) => el('option', { value: s, text: s })),
  );
  select.value = current;
}

function drawEvents() {
  const list = state.mode === 'replay' ? state.replay.events.slice(0, state.replay.index + 1) : state.events;
  $('#events').replaceChildren(...list.filter(eventShown).slice(-200).reverse().map(eventLine));
}

function onEvent(e) {
  state.events.push(e);
  if (state.events.length > 500) state.events.shift();
  noteSource(e.source);
  if (e.state !== undefined) {
    const known = state.actors.get(e.source);
    const machine = e.type === 'xstate.init' ? e.data?.machine : known?.machine;
    if (e.type === 'xstate.stop') state.actors.delete(e.source);
    else if (machine) state.actors.set(e.source, { source: e.source, machine, state: e.state });
    if (state.mode === 'live') scheduleMachines();
  }
  if (state.mode === 'live' && !$('#event-pause').checked && eventShown(e)) {
    const list = $('#events');
    list.prepend(eventLine(e));
    while (list.childElementCount > 200) list.lastElementChild.remove();
  }
}

let machinesQueued = false;
function scheduleMachines() {
  if (machinesQueued) return;
  machinesQueued = true;
  requestAnimationFrame(() => {
    machinesQueued = false;
    if (state.mode === 'live') drawMachines(state.actors);
  });
}

// ---------- fleet ----------

function drawFleet(fleet) {
  const host = $('#fleet');
  if (fleet === null || fleet === undefined) return;
  if (!Array.isArray(fleet)) {
    host.replaceChildren(el('p', { class: 'muted', text: fleet.error ?? 'fleet unavailable' }));
    return;
  }
  host.replaceChildren(
    ...fleet.map((i) => {
      const facts = el('dl');
      for (const [name, r] of Object.entries(i.resources ?? {}))
        facts.append(
          el('dt', { text: name }),
          el('dd', { 'data-resource': name, 'data-state': r.state, text: r.state }),
        );
      return el(
        'div',
        { class: 'card', 'data-instance': i.instance, 'data-status': i.status },
        el('h3', { text: i.instance }),
        el('span', { class: 'muted', text: `${i.host} pid ${i.pid}, ${i.status}, beat ${time(i.time)}` }),
        facts,
      );
    }),
  );
  if (fleet.length === 0) host.replaceChildren(el('p', { class: 'muted', text: 'no instance has sent a heartbeat' }));
}

// ---------- replay ----------

function parseLog(text) {
  const events = [];
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (!trimmed) continue;
    const e = JSON.parse(trimmed);
    if (typeof e.seq === 'number' && typeof e.source === 'string' && typeof e.type === 'string') events.push(e);
  }
  return events;
}

/** The machines and resources as the log says they were after event `index`. */
function replayAt(index) {
  const { events } = state.replay;
  state.replay.index = index;
  const actors = new Map();
  for (let i = 0; i <= index && i < events.length; i++) {
    const e = events[i];
    if (e.state === undefined) continue;
    const machine = e.type === 'xstate.init' ? e.data?.machine : actors.get(e.source)?.machine;
    if (e.type === 'xstate.stop') actors.delete(e.source);
    else if (machine) actors.set(e.source, { source: e.source, machine, state: e.state });
  }
  drawMachines(actors);
  const resources = {};
  for (const a of actors.values()) {
    const match = /^supervisor\/resource\.(.+)$/.exec(a.source);
    if (match) {
      const breaker = actors.get(`breaker.${match[1]}`);
      resources[match[1]] = {
        state: resourceStateOf(a.state),
        ...(breaker ? { breaker: { state: topState(breaker.state) } } : {}),
      };
    }
  }
  drawResources(resources);
  const at = events[Math.min(index, events.length - 1)];
  const start = events[0]?.time ?? 0;
  $('#replay-time').textContent = at
    ? `#${at.seq} at +${((at.time - start) / 1000).toFixed(3)} s (${new Date(at.time).toISOString()}) ${at.source} ${at.type}`
    : '';
  $('#replay-time').dataset.seq = at ? String(at.seq) : '';
  drawEvents();
}

async function openReplay(file) {
  let events;
  try {
    events = parseLog(await file.text());
  } catch (error) {
    notice(`${file.name} is not an event log: ${error.message}`);
    return;
  }
  if (events.length === 0) return notice(`${file.name} holds no events`);
  state.mode = 'replay';
  state.replay = { events, index: events.length - 1 };
  for (const e of events) noteSource(e.source);
  $('#mode').dataset.mode = 'replay';
  $('#mode').textContent = `replay: ${file.name}`;
  $('#replay-controls').hidden = false;
  $('#replay-exit').hidden = false;
  const slider = $('#replay-slider');
  slider.max = String(events.length - 1);
  slider.value = String(events.length - 1);
  replayAt(events.length - 1);
}

function leaveReplay() {
  state.mode = 'live';
  state.replay = undefined;
  $('#mode').dataset.mode = 'live';
  $('#mode').textContent = 'live';
  $('#replay-controls').hidden = true;
  $('#replay-exit').hidden = true;
  $('#replay-file').value = '';
  drawStatus(state.status);
  drawMachines(state.actors);
  drawEvents();
}

// ---------- live feed ----------

function notice(text) {
  const n = $('#notice');
  n.hidden = !text;
  n.textContent = text ?? '';
}

async function readStream() {
  const controller = new AbortController();
  state.stream = controller;
  const res = await fetch('api/stream', {
    headers: { ...headers(), accept: 'text/event-stream' },
    signal: controller.signal,
  });
  if (!res.ok || !res.body) throw new Error(`stream: HTTP ${res.status}`);
  $('#connection').textContent = 'connected';
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value;
    let cut;
    while ((cut = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      let event = 'message';
      const data = [];
      for (const line of block.split('\n')) {
        if (line.startsWith('event: ')) event = line.slice(7);
        else if (line.startsWith('data: ')) data.push(line.slice(6));
      }
      if (data.length) dispatch(event, JSON.parse(data.join('\n')));
    }
  }
}

function dispatch(event, data) {
  if (event === 'status') drawStatus(data);
  else if (event === 'event') onEvent(data);
  else if (event === 'metrics') addPoint(data);
  else if (event === 'alert') addAlertHistory(data);
  else if (event === 'fleet') drawFleet(data);
}

async function live() {
  for (;;) {
    try {
      const view = await getJson('api/state');
      if (!view.details) {
        drawStatus(view.status);
        return;
      }
      state.actors = new Map(view.actors.map((a) => [a.source, a]));
      state.events = view.events;
      for (const e of view.events) noteSource(e.source);
      makeCharts();
      for (const p of view.points) addPoint(p);
      $('#alert-history').replaceChildren();
      for (const a of view.alerts) addAlertHistory(a);
      drawFleet(view.fleet);
      drawStatus(view.status);
      if (state.mode === 'live') {
        drawMachines(state.actors);
        drawEvents();
      }
      await readStream();
    } catch (error) {
      if (error?.name === 'AbortError') return;
      $('#connection').textContent = 'reconnecting…';
    }
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
}

async function main() {
  state.session = await getJson('api/session');
  const login = $('#login');
  login.hidden = state.session.details || state.session.showDetails !== 'when_authorized';
  $('#logout').hidden = !sessionStorage.getItem(CREDENTIAL);
  if (!state.session.details) {
    notice(
      state.session.showDetails === 'never'
        ? 'This Stator shows no details (http.show_details: never): only the overall status.'
        : 'Only the overall status is shown. Enter a token or API key whose principal holds status:read:* to see the resources.',
    );
    for (const id of ['#resources-section', '#charts-section', '#alerts-section', '#fleet-section', '#events-section'])
      $(id).hidden = true;
  }
  login.addEventListener('submit', (e) => {
    e.preventDefault();
    const value = $('#credential').value.trim();
    if (value) sessionStorage.setItem(CREDENTIAL, value);
    location.reload();
  });
  $('#logout').addEventListener('click', () => {
    sessionStorage.removeItem(CREDENTIAL);
    location.reload();
  });
  $('#event-source').addEventListener('change', drawEvents);
  $('#event-type').addEventListener('input', drawEvents);
  $('#replay-file').addEventListener('change', (e) => {
    const file = e.target.files?.[0];
    if (file) void openReplay(file);
  });
  $('#replay-slider').addEventListener('input', (e) => replayAt(Number(e.target.value)));
  $('#replay-exit').addEventListener('click', leaveReplay);
  await loadMachines();
  document.body.dataset.ready = 'true';
  await live();
}

main().catch((error) => notice(`The dashboard could not load: ${error.message}`));

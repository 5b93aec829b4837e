// The catalog page's script (hand-written, no dependencies). The URL query is the state:
// every change writes it, and the view is drawn from it, so a shared or reloaded URL shows
// the same thing. The API is asked for one page at a time, whatever the catalog's size.
'use strict';

const FIELDS = ['gateway', 'q', 'provider', 'pipeline_tag', 'sort', 'order', 'limit', 'offset', 'model'];
const DEFAULTS = { gateway: 'all', limit: '50', offset: '0' };
const TYPING_DELAY_MS = 250;

const $ = (id) => document.getElementById(id);
let gatewayList = [];
let sharedTier = null;  // the fleet's Redis tier, when configured
let shown = null;  // the last page drawn: {total, offset, returned}
let loadToken = 0;  // a newer load makes an older one's answer moot

// ----------------------------------------------------------------- state <-> URL

function readState() {
  const query = new URLSearchParams(location.search);
  const state = {};
  for (const f of FIELDS) state[f] = query.get(f) ?? DEFAULTS[f] ?? '';
  return state;
}

function urlOf(state) {
  const query = new URLSearchParams();
  for (const f of FIELDS)
    if (state[f] && state[f] !== DEFAULTS[f]) query.set(f, state[f]);
  const text = query.toString();
  return text ? '/?' + text : '/';
}

// Typing replaces the history entry; a page turn, a new filter or a model adds one.
function go(changes, { replace = false } = {}) {
  const state = { ...readState(), ...changes };
  if (!('offset' in changes)) state.offset = '0';
  const url = urlOf(state);
  if (url === location.pathname + location.search) return;
  history[replace ? 'replaceState' : 'pushState'](null, '', url);
  render();
}

// The API's query for the list the state asks for.
function listQuery(state) {
  const query = new URLSearchParams();
  for (const f of ['gateway', 'q', 'provider', 'pipeline_tag', 'sort', 'order', 'limit', 'offset'])
    if (state[f]) query.set(f, state[f]);
  return query;
}

function modelPath(id) {
  return '/v1/catalog/models/' + id.split('/').map(encodeURIComponent).join('/');
}

// ----------------------------------------------------------------- formatting

const number = new Intl.NumberFormat('en');

function count(n) {
  return n === null || n === undefined ? '—' : number.format(n);
}

// USD per token (decimal text) as USD per 1M tokens.
function perMillion(price) {
  if (price === null || price === undefined) return '—';
  const usd = Number(price) * 1e6;
  if (!Number.isFinite(usd)) return '—';
  if (usd === 0) return 'free';
  return '$' + usd.toLocaleString('en', { maximumSignificantDigits: 4 });
}

function age(seconds) {
  if (seconds === null || seconds === undefined) return 'never fetched';
  const s = Math.max(0, Math.round(Date.now() / 1000 - seconds));
  if (s < 90) return s + ' s old';
  if (s < 90 * 60) return Math.round(s / 60) + ' min old';
  if (s < 36 * 3600) return Math.round(s / 3600) + ' h old';
  return Math.round(s / 86400) + ' days old';
}

function when(seconds) {
  return seconds ? new Date(seconds * 1000).toISOString().replace('.000Z', 'Z') : '—';
}

function element(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  if (className) node.className = className;
  return node;
}

// ----------------------------------------------------------------- API

async function getJson(url) {
  const response = await fetch(url, { headers: { Accept: 'application/json' } });
  let body = null;
  try {
    body = await response.json();
  } catch (e) {
    throw new Error(url + ' answered ' + response.status + ' with a body that is not JSON');
  }
  if (!response.ok) {
    const error = new Error(body && body.detail ? body.detail : 'HTTP ' + response.status);
    error.status = response.status;
    throw error;
  }
  return body;
}

function showError(message) {
  const box = $('error');
  box.textContent = message || '';
  box.hidden = !message;
}

// ----------------------------------------------------------------- gateways

function gatewayLabel(g) {
  const models = g.models === 1 ? '1 model' : count(g.models) + ' models';
  return g.name + ' — ' + g.state + ', ' + models + ', ' + age(g.fetched_at);
}

async function loadGateways() {
  try {
    const answer = await getJson('/v1/catalog/gateways');
    gatewayList = answer.data;
    sharedTier = answer.redis;
  } catch (e) {
    gatewayList = [];
    showError('Could not read the gateways: ' + e.message);
  }
  const select = $('gateway');
  const total = gatewayList.reduce((n, g) => n + g.models, 0);
  const options = [new Option('all — ' + gatewayList.length + ' gateways, ' + count(total) +
                              ' models before merging', 'all')];
  for (const g of gatewayList) options.push(new Option(gatewayLabel(g), g.name));
  select.replaceChildren(...options);
}

// Where the chosen gateway (or, for all, each gateway in trouble) stands, in words.
function drawGatewayStatus(state) {
  const box = $('gateway-status');
  box.replaceChildren();
  if (sharedTier && sharedTier.state === 'down')
    box.append(element('p', 'Shared tier ' + sharedTier.url + ' is down since ' + when(sharedTier.since) +
                            ': ' + sharedTier.last_error + '. This replica fetches and serves alone.',
                       'warning'));
  const chosen = state.gateway === 'all' ? gatewayList
      : gatewayList.filter((g) => g.name === state.gateway || g.aliases.includes(state.gateway));
  for (const g of chosen) {
    const troubled = g.state === 'error' || g.last_error || g.warnings.length;
    if (state.gateway === 'all' && !troubled) continue;
    const line = element('p', null, 'state state-' + g.state);
    line.append(element('strong', g.name + ': ' + g.state));
    const plugin = g.plugin ? g.plugin.name + ' ' + g.plugin.version : 'no plugin loaded';
    line.append(' · ' + plugin + ' · ' + count(g.models) + ' models · ' + age(g.fetched_at));
    box.append(line);
    if (g.last_error) {
      const retry = g.next_retry_at ? '; next try at ' + when(g.next_retry_at) : '';
      box.append(element('p', 'Last error (' + when(g.last_error_at) + '): ' + g.last_error + retry,
                         'reason'));
    }
    for (const w of g.warnings) box.append(element('p', 'Warning: ' + w, 'warning'));
  }
}

// ----------------------------------------------------------------- the list

// The model's own price, or else its cheapest offer's (offers come cheapest first).
function priceOf(m, key) {
  const own = m.pricing ? m.pricing[key] : null;
  if (own !== null && own !== undefined) return perMillion(own);
  const offer = (m.offers || []).find((o) => o.pricing && o.pricing[key] !== null);
  return offer ? 'from ' + perMillion(offer.pricing[key]) : '—';
}

// The model's own window, or else the largest an offer gives.
function contextOf(m) {
  if (m.context_length !== null && m.context_length !== undefined) return count(m.context_length);
  const windows = (m.offers || []).map((o) => o.context_length).filter((n) => n);
  return windows.length ? count(Math.max(...windows)) : '—';
}

function rowOf(m) {
  const hub = m.huggingface_metrics || {};
  const row = document.createElement('tr');
  const name = element('td', null, 'model');
  const open = element('a', m.id);
  open.href = urlOf({ ...readState(), model: m.id });
  open.dataset.model = m.id;
  name.append(open);
  if (m.name && m.name !== m.id) name.append(element('span', m.name, 'sub'));
  row.append(name,
    element('td', m.provider_slug, 'wide'),
    element('td', hub.pipeline_tag || '—', 'wide'),
    element('td', count(hub.downloads), 'num'),
    element('td', count(hub.likes), 'num wide'),
    element('td', contextOf(m), 'num wide'),
    element('td', priceOf(m, 'prompt'), 'num'),
    element('td', priceOf(m, 'completion'), 'num wide'),
    element('td', m.offers ? m.offers.length : '—', 'num wide'));
  return row;
}

// Suggestions for the provider and tag boxes, from what the page shows.
function suggest(models) {
  const fill = (id, values) => {
    const list = $(id);
    const have = new Set([...list.options].map((o) => o.value));
    for (const v of values) if (v && !have.has(v)) { list.append(new Option(v)); have.add(v); }
  };
  fill('providers', models.map((m) => m.provider_slug));
  fill('pipeline-tags', models.map((m) => m.huggingface_metrics && m.huggingface_metrics.pipeline_tag));
}

function drawPage(page) {
  shown = { total: page.total, offset: page.offset, returned: page.returned, limit: page.limit };
  const first = page.returned ? page.offset + 1 : 0;
  const last = page.offset + page.returned;
  $('results-heading').textContent = page.returned
    ? 'Models ' + count(first) + '–' + count(last) + ' of ' + count(page.total)
    : (page.total ? 'No models on this page; ' + count(page.total) + ' in all' : 'No models match');
  $('models').tBodies[0].replaceChildren(...page.data.map(rowOf));
  const limit = page.limit || page.total || 1;
  $('page-of').textContent = page.total
    ? 'Page ' + count(Math.floor(page.offset / limit) + 1) + ' of ' + count(Math.ceil(page.total / limit))
    : '';
  $('prev').disabled = page.offset === 0;
  $('next').disabled = !page.has_more;
  suggest(page.data);
}

async function loadList(state) {
  const token = ++loadToken;
  const url = '/v1/catalog/models?' + listQuery(state);
  $('raw-link').href = url;
  $('results-heading').textContent = 'Loading…';
  try {
    const page = await getJson(url);
    if (token !== loadToken) return;
    showError('');
    drawPage(page);
  } catch (e) {
    if (token !== loadToken) return;
    $('models').tBodies[0].replaceChildren();
    $('results-heading').textContent = 'No models shown';
    $('prev').disabled = $('next').disabled = true;
    showError(e.status === 503 ? e.message + ' (the gateway status above says why)' : e.message);
  }
}

// ----------------------------------------------------------------- one model

function definitionList(object) {
  const list = document.createElement('dl');
  for (const [key, value] of Object.entries(object)) {
    if (key === 'offers') continue;
    list.append(element('dt', key));
    const cell = document.createElement('dd');
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      cell.append(definitionList(value));
    } else if (Array.isArray(value) && value.some((v) => v !== null && typeof v === 'object')) {
      const items = document.createElement('ul');
      for (const v of value) {
        const item = document.createElement('li');
        item.append(v !== null && typeof v === 'object' ? definitionList(v) : element('span', v));
        items.append(item);
      }
      cell.append(items);
    } else {
      cell.textContent = Array.isArray(value) ? value.join(', ') || '—'
          : value === null ? 'null' : String(value);
    }
    list.append(cell);
  }
  return list;
}

function offersTable(offers) {
  const table = element('table', null, 'offers');
  table.append(element('caption', offers.length + (offers.length === 1 ? ' offer' : ' offers') +
                                  ', cheapest first (prices in USD per 1M tokens)'));
  const head = document.createElement('tr');
  for (const h of ['Gateway', 'Provider', 'Model id there', 'Prompt', 'Output', 'Context', 'Status'])
    head.append(Object.assign(element('th', h), { scope: 'col' }));
  const thead = element('thead');
  const body = element('tbody');
  thead.append(head);
  table.append(thead, body);
  for (const o of offers) {
    const row = document.createElement('tr');
    const pricing = o.pricing || {};
    row.append(element('td', o.gateway), element('td', o.provider), element('td', o.model_id),
      element('td', perMillion(pricing.prompt), 'num'), element('td', perMillion(pricing.completion), 'num'),
      element('td', count(o.context_length), 'num'), element('td', o.status || '—'));
    body.append(row);
  }
  const wrap = element('div', null, 'table-wrap');
  wrap.append(table);
  return wrap;
}

async function openModel(state) {
  const dialog = $('detail');
  const url = modelPath(state.model) + '?gateway=' + encodeURIComponent(state.gateway);
  $('detail-title').textContent = state.model;
  $('detail-raw').href = url;
  const body = $('detail-body');
  body.replaceChildren(element('p', 'Loading…'));
  if (!dialog.open) dialog.showModal();
  try {
    const m = await getJson(url);
    if (readState().model !== state.model) return;
    $('detail-title').textContent = m.name && m.name !== m.id ? m.name + ' (' + m.id + ')' : m.id;
    body.replaceChildren();
    if (m.offers && m.offers.length) body.append(offersTable(m.offers));
    else body.append(element('p', 'No offers: no gateway says who serves this model at what price.'));
    body.append(element('h3', 'Every field'), definitionList(m));
  } catch (e) {
    body.replaceChildren(element('p', e.message, 'error'));
  }
}

// ----------------------------------------------------------------- wiring

function fillForm(state) {
  for (const f of ['q', 'provider', 'pipeline_tag', 'sort', 'order', 'limit']) {
    const input = $(f);
    if (document.activeElement !== input || input.tagName === 'SELECT') input.value = state[f];
  }
  const gateway = $('gateway');
  if (![...gateway.options].some((o) => o.value === state.gateway))
    gateway.append(new Option(state.gateway, state.gateway));
  gateway.value = state.gateway;
}

function render() {
  const state = readState();
  fillForm(state);
  drawGatewayStatus(state);
  loadList(state);
  const dialog = $('detail');
  if (state.model) openModel(state);
  else if (dialog.open) dialog.close();
}

function wire() {
  let typing = null;
  for (const f of ['q', 'provider', 'pipeline_tag']) {
    $(f).addEventListener('input', () => {
      clearTimeout(typing);
      typing = setTimeout(() => go({ [f]: $(f).value.trim() }, { replace: true }), TYPING_DELAY_MS);
    });
  }
  for (const f of ['gateway', 'sort', 'order', 'limit'])
    $(f).addEventListener('change', () => go({ [f]: $(f).value }));
  $('filters').addEventListener('submit', (e) => {
    e.preventDefault();
    clearTimeout(typing);
    go({ q: $('q').value.trim(), provider: $('provider').value.trim(),
         pipeline_tag: $('pipeline_tag').value.trim() });
  });
  $('filters').addEventListener('reset', (e) => {
    e.preventDefault();
    go({ q: '', provider: '', pipeline_tag: '', sort: '', order: '' });
  });
  $('prev').addEventListener('click', () => {
    const limit = Number(readState().limit) || 50;
    go({ offset: String(Math.max(0, shown.offset - limit)) });
  });
  $('next').addEventListener('click', () => go({ offset: String(shown.offset + shown.returned) }));
  $('models').addEventListener('click', (e) => {
    const link = e.target.closest('a[data-model]');
    if (!link || e.ctrlKey || e.metaKey || e.shiftKey) return;  // a new tab keeps its own way
    e.preventDefault();
    go({ model: link.dataset.model, offset: readState().offset });
  });
  $('detail-close').addEventListener('click', () => $('detail').close());
  $('detail').addEventListener('close', () => {
    if (readState().model) go({ model: '', offset: readState().offset });
  });
  window.addEventListener('popstate', render);
}

async function start() {
  wire();
  await loadGateways();
  render();
}

start();

// The catalog page's script (hand-written, no dependencies). The URL query is the state:
// every change writes it, and the view is drawn from it, so a shared or reloaded URL shows
// the same thing. The API is asked for one page at a time, whatever the catalog's size.
'use strict';

const FIELDS = ['gateway', 'q', 'provider', 'pipeline_tag', 'sort', 'order', 'limit', 'offset', 'model'];
const DEFAULTS = { gateway: 'all', limit: '50', offset: '0' };
const TYPING_DELAY_MS = 250;
// Keystrokes closer than this to the last applied one are one search: one history entry.
const TYPING_BURST_MS = 1500;
const GATEWAYS_EVERY_MS = 60000;  // a page left open still shows each gateway's state
// The server refuses a query string longer than 2,048 bytes (core/http/api.hpp): the page's
// URL, and the list query made from it, stay under it with room for the defaults.
const MAX_QUERY_BYTES = 2048 - 96;
// Lengths in code points the page keeps of each text.
const MAX_TEXT = { gateway: 100, q: 200, provider: 200, pipeline_tag: 200, sort: 40, order: 10, model: 1000 };
// The API's own limits (core/http/model_params.hpp): beyond them it answers 400.
const MAX_SEARCH_BYTES = 200;  // q, in UTF-8 bytes
const MAX_OFFSET = 1000000000;
const MAX_LIMIT = 5000;

const $ = (id) => document.getElementById(id);
let gatewayList = [];
let gatewaysRead = false;  // until the first answer, the picker knows only the URL's gateway
let sharedTier = null;  // the fleet's Redis tier, when configured
let shown = null;  // the last page drawn: {total, offset, returned}
let loadToken = 0;  // a newer load makes an older one's answer moot
let gatewaysToken = 0;
let listed = null;  // the list query asked for last (a new model alone does not reload it)

// ----------------------------------------------------------------- state <-> URL

// The first n code points of text (a cut never splits a surrogate pair).
function cut(text, n) {
  const points = Array.from(text);
  return points.length > n ? points.slice(0, n).join('') : text;
}

// The longest start of text that is at most n bytes of UTF-8, in whole code points.
function cutBytes(text, n) {
  let bytes = 0;
  let end = 0;
  for (const point of text) {
    const c = point.codePointAt(0);
    bytes += c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
    if (bytes > n) return text.slice(0, end);
    end += point.length;
  }
  return text;
}

function queryOf(state) {
  const query = new URLSearchParams();
  for (const f of FIELDS)
    if (state[f] && state[f] !== DEFAULTS[f]) query.set(f, state[f]);
  return query.toString();
}

// The state as the API can take it: each text within its limit, paging numbers in range,
// and the whole query under the server's limit. The search texts give way first (the
// longest as sent, a code point at a time); the model last.
function fit(state) {
  for (const [f, n] of Object.entries(MAX_TEXT)) state[f] = cut(state[f] || '', n);
  state.q = cutBytes(state.q, MAX_SEARCH_BYTES);
  const offset = /^[0-9]{1,12}$/.test(state.offset) ? Number(state.offset) : 0;
  state.offset = String(Math.min(offset, MAX_OFFSET));
  const limit = /^[0-9]{1,4}$/.test(state.limit) ? Number(state.limit) : 0;
  if (limit < 1 || limit > MAX_LIMIT) state.limit = DEFAULTS.limit;
  while (queryOf(state).length > MAX_QUERY_BYTES) {
    const texts = ['q', 'provider', 'pipeline_tag'].filter((f) => state[f]);
    if (!texts.length) { state.model = ''; break; }
    const sent = (f) => encodeURIComponent(state[f]).length;
    const longest = texts.reduce((a, b) => (sent(b) > sent(a) ? b : a));
    state[longest] = cut(state[longest], Array.from(state[longest]).length - 1);
  }
  return state;
}

function readState() {
  const query = new URLSearchParams(location.search);
  const state = {};
  for (const f of FIELDS) state[f] = query.get(f) ?? DEFAULTS[f] ?? '';
  return fit(state);
}

function urlOf(state) {
  const text = queryOf(fit({ ...state }));
  return text ? '/?' + text : '/';
}

function here() {
  return location.pathname + location.search;
}

// A new filter, a page turn or a model adds a history entry; replace rewrites this one.
// `entry` is the history state of a new entry. Returns whether the URL changed.
function go(changes, { replace = false, entry = null } = {}) {
  const state = { ...readState(), ...changes };
  if (!('offset' in changes)) state.offset = '0';
  const url = urlOf(state);
  if (url === here()) return false;
  if (replace) history.replaceState(history.state, '', url);
  else history.pushState(entry, '', url);
  render();
  return true;
}

// The API's query for the list the state asks for.
function listQuery(state) {
  const query = new URLSearchParams();
  for (const f of ['gateway', 'q', 'provider', 'pipeline_tag', 'sort', 'order', 'limit', 'offset'])
    if (state[f]) query.set(f, state[f]);
  return query;
}

// The model's API path, its id one segment ('/' sent as %2F): sent as segments, the
// browser would resolve '.' and '..' in it (a/../b would fetch b, ../../metrics /metrics).
// An id that is all a dot segment ('.', '..') has no path: the URL standard takes %2E for
// a dot too, so null.
function modelPath(id) {
  if (id === '.' || id === '..') return null;
  return '/v1/catalog/models/' + encodeURIComponent(id);
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

// Characters a reader cannot see, or that reorder the text after them (a right-to-left
// override makes 'evil\u202Egnp.exe' read 'evilexe.png'): control characters, bidi
// controls, zero-width ones (but the joiners scripts and emoji need), soft hyphens, line
// separators. They are shown as U+XXXX.
const HIDDEN = /[\u0000-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b\u200e\u200f\u2028-\u202e\u2060-\u2064\u2066-\u2069\ufeff\ufff9-\ufffb]/g;

function codeOf(character) {
  return 'U+' + character.codePointAt(0).toString(16).toUpperCase().padStart(4, '0');
}

// Line breaks and tabs, which a description may hold (its <dd> keeps the lines).
const HIDDEN_BUT_LINES = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b\u200e\u200f\u2028-\u202e\u2060-\u2064\u2066-\u2069\ufeff\ufff9-\ufffb]/g;

// Text from the data, as a node: isolated (<bdi>: a right-to-left id does not pull the
// words around it into its direction) and with its hidden characters shown.
function data(value, { lines = false } = {}) {
  const text = String(value);
  const node = document.createElement('bdi');
  node.dir = 'auto';  // as <bdi> is by default, said outright: its direction is its text's
  let at = 0;
  for (const found of text.matchAll(lines ? HIDDEN_BUT_LINES : HIDDEN)) {
    if (found.index > at) node.append(text.slice(at, found.index));
    const mark = document.createElement('span');
    mark.className = 'hidden-char';
    mark.textContent = codeOf(found[0]);
    mark.title = 'an invisible or direction control character';
    node.append(mark);
    at = found.index + found[0].length;
  }
  if (at < text.length) node.append(text.slice(at));
  return node;
}

// The same for plain text (an <option> holds no markup): hidden characters as U+XXXX, and
// text beyond printable ASCII between FSI and PDI, which isolate it as <bdi> does.
function plainData(value) {
  const text = String(value).replace(HIDDEN, codeOf);
  return /^[\x20-\x7e]*$/.test(text) ? text : '\u2068' + text + '\u2069';
}

// An element of parts: strings are the page's own words, data(...) nodes the data's.
function line(tag, className, ...parts) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  node.append(...parts);
  return node;
}

// An element holding one value from the data.
function element(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.append(data(text));
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
  box.replaceChildren(...(message ? [data(message)] : []));
  box.hidden = !message;
}

// ----------------------------------------------------------------- gateways

function gatewayLabel(g) {
  const models = g.models === 1 ? '1 model' : count(g.models) + ' models';
  return plainData(g.name) + ' — ' + plainData(g.state) + ', ' + models + ', ' + age(g.fetched_at);
}

// The picker: each gateway with its state, count and age. The labels are rewritten in
// place (an open picker stays open); the options are rebuilt only when the gateways change.
function drawGatewayPicker(state) {
  const select = $('gateway');
  const total = gatewayList.reduce((n, g) => n + g.models, 0);
  const wanted = [['all', gatewaysRead ? 'all — ' + gatewayList.length + ' gateways, ' +
                          count(total) + ' models before merging' : 'all']];
  for (const g of gatewayList) wanted.push([g.name, gatewayLabel(g)]);
  // A gateway the URL names that is none of them (an alias, a typo) stays chosen.
  if (!wanted.some(([value]) => value === state.gateway)) wanted.push([state.gateway, plainData(state.gateway)]);
  const options = select.options;
  if (options.length === wanted.length && wanted.every(([value], i) => options[i].value === value)) {
    wanted.forEach(([, label], i) => { if (options[i].text !== label) options[i].text = label; });
  } else {
    select.replaceChildren(...wanted.map(([value, label]) => new Option(label, value)));
  }
  select.value = state.gateway;
}

// The gateways, read again at each list load (and every minute): their states change.
async function loadGateways() {
  const token = ++gatewaysToken;
  try {
    const answer = await getJson('/v1/catalog/gateways');
    if (token !== gatewaysToken) return;
    gatewayList = answer.data;
    sharedTier = answer.redis;
    gatewaysRead = true;
  } catch (e) {
    if (token !== gatewaysToken) return;
    showError('Could not read the gateways: ' + e.message);
  }
  const state = readState();
  drawGatewayPicker(state);
  drawGatewayStatus(state);
}

// Where the chosen gateway (or, for all, each gateway in trouble) stands, in words.
function drawGatewayStatus(state) {
  const box = $('gateway-status');
  box.replaceChildren();
  if (sharedTier && sharedTier.state === 'down')
    box.append(line('p', 'warning', 'Shared tier ', data(sharedTier.url), ' is down since ',
                    when(sharedTier.since), ': ', data(sharedTier.last_error),
                    '. This replica fetches and serves alone.'));
  const chosen = state.gateway === 'all' ? gatewayList
      : gatewayList.filter((g) => g.name === state.gateway || g.aliases.includes(state.gateway));
  for (const g of chosen) {
    const troubled = g.state === 'error' || g.last_error || g.warnings.length;
    if (state.gateway === 'all' && !troubled) continue;
    const plugin = g.plugin ? data(g.plugin.name + ' ' + g.plugin.version) : 'no plugin loaded';
    box.append(line('p', 'state state-' + g.state,
                    line('strong', null, data(g.name), ': ', data(g.state)),
                    ' · ', plugin, ' · ' + count(g.models) + ' models · ' + age(g.fetched_at)));
    if (g.last_error) {
      const retry = g.next_retry_at ? '; next try at ' + when(g.next_retry_at) : '';
      box.append(line('p', 'reason', 'Last error (' + when(g.last_error_at) + '): ',
                      data(g.last_error), retry));
    }
    for (const w of g.warnings) box.append(line('p', 'warning', 'Warning: ', data(w)));
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
  // Past the last page (a hand-made or an old URL, a catalog that shrank): the last page,
  // in place of this entry, not "Page 20,000,000 of 1,080".
  if (!page.returned && page.total && page.offset >= page.total) {
    const limit = page.limit || Number(readState().limit) || 1;
    go({ offset: String(Math.floor((page.total - 1) / limit) * limit) }, { replace: true });
    return;
  }
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
  loadGateways();
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
    listed = null;  // asked again at the next render
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
      cell.append(data(Array.isArray(value) ? value.join(', ') || '—'
          : value === null ? 'null' : String(value), { lines: true }));
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
  const path = modelPath(state.model);
  const url = path && path + '?gateway=' + encodeURIComponent(state.gateway);
  $('detail-title').replaceChildren(data(state.model));
  if (url) $('detail-raw').href = url;
  else $('detail-raw').removeAttribute('href');
  const body = $('detail-body');
  body.replaceChildren(element('p', 'Loading…'));
  if (!dialog.open) dialog.showModal();
  if (!url) {
    body.replaceChildren(line('p', 'error', 'The id ', data(state.model), ' is a dot segment: no ' +
                              'URL path can name it (a browser resolves it), so it is not asked for.'));
    return;
  }
  try {
    const m = await getJson(url);
    if (readState().model !== state.model) return;
    $('detail-title').replaceChildren(...(m.name && m.name !== m.id
        ? [data(m.name), ' (', data(m.id), ')'] : [data(m.id)]));
    body.replaceChildren();
    if (m.offers && m.offers.length) body.append(offersTable(m.offers));
    else body.append(element('p', 'No offers: no gateway says who serves this model at what price.'));
    body.append(element('h3', 'Every field'), definitionList(m));
  } catch (e) {
    body.replaceChildren(element('p', e.message, 'error'));
  }
}

// ----------------------------------------------------------------- wiring

// The form shows the state; a box being typed in keeps its text, but Back and Forward
// (fromHistory) replace it too.
function fillForm(state, fromHistory) {
  for (const f of ['q', 'provider', 'pipeline_tag', 'sort', 'order', 'limit']) {
    const input = $(f);
    if (fromHistory || document.activeElement !== input || input.tagName === 'SELECT')
      input.value = state[f];
  }
  drawGatewayPicker(state);
}

function render(fromHistory = false) {
  const state = readState();
  // The URL as the page writes it: one beyond what the API takes (hand-made, or too long
  // for the server) is trimmed in place, so that go() compares like with like.
  const url = urlOf(state);
  if (url !== here()) history.replaceState(history.state, '', url);
  fillForm(state, fromHistory);
  drawGatewayStatus(state);
  const query = listQuery(state).toString();
  if (query !== listed) {  // opening or closing a model keeps the list (and its focus)
    listed = query;
    loadList(state);
  }
  const dialog = $('detail');
  if (state.model) openModel(state);
  else if (dialog.open) dialog.close();
}

// The link of the model in the list, if the list shows it.
function linkOf(id) {
  return [...$('models').querySelectorAll('a[data-model]')].find((a) => a.dataset.model === id);
}

function wire() {
  let typing = null;
  // A burst of typing is one history entry: its first change adds one, the rest replace it.
  let burst = false;
  let burstEnd = null;
  const endBurst = () => { burst = false; clearTimeout(burstEnd); };
  for (const f of ['q', 'provider', 'pipeline_tag']) {
    $(f).addEventListener('input', () => {
      clearTimeout(typing);
      typing = setTimeout(() => {
        const typed = burst;
        if (go({ [f]: $(f).value.trim() }, { replace: typed }) || typed) {
          burst = true;
          clearTimeout(burstEnd);
          burstEnd = setTimeout(endBurst, TYPING_BURST_MS);
        }
      }, TYPING_DELAY_MS);
    });
  }
  for (const f of ['gateway', 'sort', 'order', 'limit'])
    $(f).addEventListener('change', () => { endBurst(); go({ [f]: $(f).value }); });
  $('filters').addEventListener('submit', (e) => {
    e.preventDefault();
    clearTimeout(typing);
    endBurst();
    go({ q: $('q').value.trim(), provider: $('provider').value.trim(),
         pipeline_tag: $('pipeline_tag').value.trim() });
  });
  $('filters').addEventListener('reset', (e) => {
    e.preventDefault();
    endBurst();
    go({ q: '', provider: '', pipeline_tag: '', sort: '', order: '' });
  });
  // The buttons start disabled, and a click before the first list has nothing to page.
  $('prev').addEventListener('click', () => {
    if (!shown) return;
    endBurst();
    const limit = Number(readState().limit) || 50;
    go({ offset: String(Math.max(0, shown.offset - limit)) });
  });
  $('next').addEventListener('click', () => {
    if (!shown) return;
    endBurst();
    go({ offset: String(shown.offset + shown.returned) });
  });
  $('models').addEventListener('click', (e) => {
    const link = e.target.closest('a[data-model]');
    if (!link || e.ctrlKey || e.metaKey || e.shiftKey) return;  // a new tab keeps its own way
    e.preventDefault();
    endBurst();
    // The entry says it was opened from the one before: closing goes back to it.
    go({ model: link.dataset.model, offset: readState().offset },
       { entry: { openedModel: link.dataset.model } });
  });
  $('detail-close').addEventListener('click', () => $('detail').close());
  // Closing (Close, Escape) leaves the model: back to the entry it was opened from, or,
  // opened from a shared URL, this entry without it. Never a new entry. The focus returns
  // to the model's link.
  $('detail').addEventListener('close', () => {
    const state = readState();
    if (!state.model) return;  // closed by render: the URL has no model already
    if (history.state && history.state.openedModel === state.model) history.back();
    else go({ model: '', offset: state.offset }, { replace: true });
    const link = linkOf(state.model);
    if (link) link.focus();
  });
  window.addEventListener('popstate', () => { endBurst(); render(true); });
  setInterval(() => { if (document.visibilityState === 'visible') loadGateways(); }, GATEWAYS_EVERY_MS);
}

function start() {
  wire();
  render();  // the list and the gateways are asked for at once
}

start();

// The API reference page's script (hand-written, no library; compiled into gatehouse and
// served at /assets/docs.js). It fetches /openapi.json and draws every operation and schema
// with DOM calls only: all text of the document goes in through text nodes, never as HTML.
'use strict';
(() => {
  const $ = (id) => document.getElementById(id);
  let doc = {};

  // el('a', {href: '#x'}, 'text', node, [more]): strings become text nodes; null is skipped.
  const kids = (list) => list.flat(9).filter((k) => k != null && k !== false);
  function el(tag, attrs, ...content) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) if (v != null) e.setAttribute(k, String(v));
    e.append(...kids(content));
    return e;
  }
  const frag = (...content) => { const f = document.createDocumentFragment(); f.append(...kids(content)); return f; };
  const code = (text) => el('code', null, String(text));
  // A path that may break after each '/' (long admin paths on a phone).
  const pathCode = (path) => el('code', null, path.split('/').map((part, i) => (i ? [el('wbr'), '/' + part] : part)));
  const slug = (text) => String(text).replace(/[^A-Za-z0-9_-]+/g, '-');
  const schemaAnchor = (name) => 'schema-' + slug(name);
  const show = (v) => (typeof v === 'string' ? v : JSON.stringify(v));

  // A local $ref ("#/a/b") -> the node it names, or undefined.
  const resolve = (ref) => (/^#\//.test(ref) ? ref.slice(2).split('/').reduce((n, part) => (n == null ? n
    : n[decodeURIComponent(part).replace(/~1/g, '/').replace(/~0/g, '~')]), doc) : undefined);
  const deref = (x, n = 0) => (x && x.$ref && n < 9 ? deref(resolve(x.$ref), n + 1) : x || {});
  const schemaName = (ref) => { const m = /^#\/components\/schemas\/([^/]+)$/.exec(ref || ''); return m ? m[1] : null; };

  // A little of CommonMark: paragraphs, "- " lists, `code` and **strong**.
  function inline(text) {
    const f = document.createDocumentFragment();
    for (const part of String(text).split(/(`[^`]+`|\*\*[^*]+\*\*)/)) {
      if (/^`[^`]+`$/.test(part)) f.append(code(part.slice(1, -1)));
      else if (/^\*\*[^*]+\*\*$/.test(part)) f.append(el('strong', null, part.slice(2, -2)));
      else if (part) f.append(part);
    }
    return f;
  }
  function prose(text) {
    const box = el('div', { class: 'prose' });
    for (const block of String(text || '').trim().split(/\n\s*\n/)) {
      if (!block.trim()) continue;
      if (/^\s*- /.test(block)) {
        box.append(el('ul', null, block.trim().split(/\n(?=\s*- )/).map((item) => el('li', null, inline(item.replace(/^\s*- /, '').replace(/\s*\n\s*/g, ' '))))));
      } else {
        box.append(el('p', null, inline(block.replace(/\s*\n\s*/g, ' '))));
      }
    }
    return box;
  }

  // A schema's type in words, named schemas linked: "integer | null", "array of Model".
  function typeOf(s, depth = 0) {
    if (!s || depth > 8) return 'any';
    if (s.$ref) {
      const name = schemaName(s.$ref);
      return name ? el('a', { href: '#' + schemaAnchor(name) }, name) : typeOf(resolve(s.$ref), depth + 1);
    }
    const join = (list, sep) => list.map((x, i) => [i ? sep : null, typeOf(x, depth + 1)]);
    if (s.oneOf || s.anyOf) return frag(join(s.oneOf || s.anyOf, ' | '));
    if (s.allOf) return frag(join(s.allOf, ' & '));
    let types = Array.isArray(s.type) ? s.type : s.type ? [s.type] : [];
    if (!types.length) types = [s.properties ? 'object' : s.enum || s.const !== undefined ? 'value' : 'any'];
    return frag(types.map((t, i) => {
      let shown = t + (s.format && t !== 'null' ? ` (${s.format})` : '');
      const inner = t === 'array' ? s.items : t === 'object' && !s.properties && typeof s.additionalProperties === 'object' ? s.additionalProperties : null;
      if (inner) {
        const alts = inner.oneOf || inner.anyOf || Array.isArray(inner.type);
        shown = frag(t === 'array' ? 'array of ' : 'map of ', alts ? '(' : null, typeOf(inner, depth + 1), alts ? ')' : null);
      }
      return [i ? ' | ' : null, shown];
    }));
  }

  // Allowed values and bounds: "one of a, b; min 0; max 5000".
  function limits(s) {
    s = s && s.$ref && !schemaName(s.$ref) ? deref(s) : s || {};
    const out = [];
    const add = (...parts) => out.push(frag(out.length ? '; ' : null, ...parts));
    if (Array.isArray(s.enum)) add('one of ', s.enum.map((v, i) => [i ? ', ' : null, code(show(v))]));
    if (s.const !== undefined) add('always ', code(show(s.const)));
    const words = { minimum: 'min', maximum: 'max', minLength: 'min length', maxLength: 'max length', minItems: 'min items', maxItems: 'max items' };
    for (const [k, label] of Object.entries(words)) if (s[k] !== undefined) add(label + ' ', code(s[k]));
    if (s.pattern) add('pattern ', code(s.pattern));
    if (s.items && s.items.pattern) add('each matches ', code(s.items.pattern));
    return out.length ? frag(out) : null;
  }
  const examplesOf = (s, p) => {
    const list = (p && p.example !== undefined ? [p.example] : []).concat(p && p.examples ? Object.values(p.examples).map((e) => e.value) : [], s.examples || []);
    return list.length ? frag('e.g. ', list.map((v, i) => [i ? ', ' : null, code(show(v))])) : null;
  };

  const wrap = (label, table) => el('div', { class: 'table-wrap', role: 'region', 'aria-label': label, tabindex: 0 }, table);
  function table(label, heads, rows) {
    return wrap(label, el('table', null,
      el('thead', null, el('tr', null, heads.map((h) => el('th', { scope: 'col' }, h)))),
      el('tbody', null, rows.map((cells) => el('tr', null, cells.map((c, i) => (i === 0 ? el('th', { scope: 'row' }, c) : el('td', null, c))))))));
  }
  const methodBadge = (m) => el('span', { class: 'method ' + m.toLowerCase() }, m.toUpperCase());
  const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace'];

  function parameters(op, item, id) {
    const seen = new Map();
    for (const p of [...(item.parameters || []), ...(op.parameters || [])].map((x) => deref(x))) seen.set(p.in + ':' + p.name, p);
    if (!seen.size) return null;
    const rows = [...seen.values()].map((p) => {
      const s = p.schema || {};
      const dflt = deref(s).default;
      return [code(p.name), p.in, typeOf(s), p.required ? 'yes' : 'no', dflt === undefined ? '' : code(show(dflt)),
        limits(s) || '', el('div', { class: 'desc' }, p.description ? prose(p.description) : null, examplesOf(deref(s), p))];
    });
    return [el('h4', { id: id + '-params' }, 'Parameters'),
      table('Parameters of ' + id, ['Name', 'In', 'Type', 'Required', 'Default', 'Allowed', 'Description'], rows)];
  }

  const bodyTypes = (content) => Object.entries(content || {}).map(([media, m], i) => [i ? el('br') : null, code(media), m.schema ? frag(': ', typeOf(m.schema)) : null]);

  function requestBody(op) {
    if (!op.requestBody) return null;
    const b = deref(op.requestBody);
    return [el('h4', null, 'Request body'),
      el('p', null, b.required ? 'Required. ' : 'Optional. ', bodyTypes(b.content)), b.description ? prose(b.description) : null];
  }

  function responses(op, id) {
    const rows = Object.entries(op.responses || {}).map(([status, r]) => {
      r = deref(r);
      const hs = Object.entries(r.headers || {}).map(([name, h]) => {
        h = deref(h);
        return el('li', null, code(name), h.schema ? frag(' (', typeOf(h.schema), ')') : null, h.description ? frag(': ', inline(h.description)) : null);
      });
      return [code(status), el('div', { class: 'desc' }, prose(r.description)), bodyTypes(r.content), hs.length ? el('ul', { class: 'plain' }, hs) : ''];
    });
    return [el('h4', null, 'Responses'), table('Responses of ' + id, ['Status', 'Description', 'Body', 'Headers'], rows)];
  }

  function security(op) {
    const reqs = op.security || doc.security;
    if (!reqs) return null;
    const schemes = (doc.components && doc.components.securitySchemes) || {};
    const items = reqs.length ? reqs.map((req) => el('li', null, Object.keys(req).length ? Object.keys(req).map((name, i) => {
      const s = deref(schemes[name]);
      const how = s.type === 'http' ? 'HTTP ' + (s.scheme || '') : s.type === 'apiKey' ? `API key in ${s.in} ${s.name}` : s.type;
      return [i ? ' and ' : null, code(name), how ? ' — ' + how : null, s.description ? el('div', { class: 'muted' }, inline(s.description)) : null];
    }) : 'none')) : [el('li', null, 'None.')];
    return [el('h4', null, 'Security'), el('ul', { class: 'plain' }, items)];
  }

  function operation(path, item, method, op) {
    const id = 'op-' + slug(op.operationId || method + path);
    return el('section', { class: 'op', id, 'aria-labelledby': id + '-h' },
      el('h3', { id: id + '-h' }, methodBadge(method), ' ', pathCode(path)),
      op.summary ? el('p', { class: 'summary' }, inline(op.summary)) : null,
      op.deprecated ? el('p', { class: 'notice' }, 'Deprecated.') : null,
      op.description ? prose(op.description) : null,
      op.operationId ? el('p', { class: 'muted small' }, 'Operation id: ', code(op.operationId)) : null,
      security(op), parameters(op, item, id), requestBody(op), responses(op, id));
  }

  function schemaSection(name, s) {
    const id = schemaAnchor(name);
    const required = new Set(s.required || []);
    const rows = Object.entries(s.properties || {}).map(([prop, ps]) => {
      const d = deref(ps);
      return [code(prop), typeOf(ps), required.has(prop) ? 'yes' : 'no',
        el('div', { class: 'desc' }, d.description ? prose(d.description) : null, limits(ps) ? el('p', null, 'Allowed: ', limits(ps)) : null, examplesOf(d))];
    });
    for (const [pattern, ps] of Object.entries(s.patternProperties || {})) {
      rows.push([frag('keys matching ', code(pattern)), typeOf(ps), 'no', el('div', { class: 'desc' }, prose(deref(ps).description))]);
    }
    if (s.additionalProperties === false) rows.push(['other keys', 'not allowed', '', '']);
    else if (s.additionalProperties === true && s.properties) rows.push(['other keys', 'any', 'no', 'Allowed: clients ignore keys they do not know.']);
    const isObject = s.properties || s.patternProperties;
    return el('section', { class: 'schema', id, 'aria-labelledby': id + '-h' },
      el('h3', { id: id + '-h' }, name),
      s.description ? prose(s.description) : null,
      isObject ? null : el('p', null, 'Type: ', typeOf(s), limits(s) ? frag('; ', limits(s)) : null),
      rows.length ? table('Properties of ' + name, ['Name', 'Type', 'Required', 'Description'], rows) : null,
      (s.examples || []).map((x) => [el('p', null, 'Example:'), el('pre', null, code(JSON.stringify(x, null, 2)))]));
  }

  function render() {
    const info = doc.info || {};
    const title = (info.title || 'API') + ' API reference';
    document.title = title;
    $('title').textContent = title;
    $('subtitle').textContent = [info.version && 'Version ' + info.version, doc.openapi && 'OpenAPI ' + doc.openapi, info.summary].filter(Boolean).join(' · ');
    if (info.description) $('intro').append(prose(info.description));

    // Operations by their first tag, in the document's tag order, then untagged.
    const groups = new Map((doc.tags || []).map((t) => [t.name, { tag: t, ops: [] }]));
    for (const [path, item] of Object.entries(doc.paths || {})) {
      for (const method of METHODS) {
        const op = item[method];
        if (!op) continue;
        const name = (op.tags && op.tags[0]) || 'other';
        if (!groups.has(name)) groups.set(name, { tag: { name }, ops: [] });
        groups.get(name).ops.push({ path, item, method, op });
      }
    }
    const ref = $('reference');
    const toc = [];
    for (const { tag, ops } of groups.values()) {
      if (!ops.length) continue;
      const gid = 'tag-' + slug(tag.name);
      ref.append(el('section', { class: 'tag', id: gid, 'aria-labelledby': gid + '-h' },
        el('h2', { id: gid + '-h' }, tag.name), tag.description ? prose(tag.description) : null,
        ops.map((o) => operation(o.path, o.item, o.method, o.op))));
      toc.push(el('h3', null, el('a', { href: '#' + gid }, tag.name)),
        el('ul', null, ops.map((o) => el('li', null, el('a', { href: '#op-' + slug(o.op.operationId || o.method + o.path) }, methodBadge(o.method), ' ', pathCode(o.path))))));
    }
    const schemas = Object.entries((doc.components && doc.components.schemas) || {});
    if (schemas.length) {
      ref.append(el('section', { id: 'schemas', 'aria-labelledby': 'schemas-h' },
        el('h2', { id: 'schemas-h' }, 'Schemas'), schemas.map(([n, s]) => schemaSection(n, s))));
      toc.push(el('h3', null, el('a', { href: '#schemas' }, 'Schemas')),
        el('ul', { class: 'cols' }, schemas.map(([n]) => el('li', null, el('a', { href: '#' + schemaAnchor(n) }, n)))));
    }
    $('toc-body').append(...toc);
    $('toc').hidden = false;
    $('status').hidden = true;
    // The anchor a link asked for exists only now.
    const target = location.hash && document.getElementById(decodeURIComponent(location.hash.slice(1)));
    if (target) target.scrollIntoView();
  }

  fetch('/openapi.json', { headers: { Accept: 'application/json' } })
    .then((r) => { if (!r.ok) throw new Error('HTTP ' + r.status); return r.json(); })
    .then((json) => { doc = json || {}; render(); })
    .catch((e) => {
      $('status').className = 'notice';
      $('status').replaceChildren('Could not load the API description (' + ((e && e.message) || e) + '). It is at ', el('a', { href: '/openapi.json' }, '/openapi.json'), '.');
    });
})();

// layerinfo's page: draws the report in #layerinfo-data as a layered
// graph beside its table. Everything it shows is text the Go side made
// (render.LayerRows, render.LayerExplanation, render.Summary); this script
// lays out, draws and wires the interactions. No network access except,
// on a served page, the same-origin /open and /upload requests.
(function () {
  'use strict';

  // Graphs up to this size are laid out by dagre (crossing reduction,
  // routed edges); larger ones by layeredLayout below, which is linear.
  var DAGRE_MAX_NODES = 400, DAGRE_MAX_EDGES = 800;
  var LINE = 14, PAD_X = 10, PAD_Y = 7, CHAR = 6.6, NAME_MAX = 42;

  var $ = function (id) { return document.getElementById(id); };
  var svgNS = 'http://www.w3.org/2000/svg';
  var state = null; // the drawn model: {data, nodes, edges, view, …}
  var api = window.layerinfo = { ready: false, renderMs: 0, layout: '', select: select, fit: fit, load: load };

  function esc(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c];
    });
  }
  function cut(s, n) { return s.length > n ? s.slice(0, n - 1) + '…' : s; }

  // kind is a colour family from the layer's type.
  function kind(type) {
    var t = type.toLowerCase();
    if (/conv/.test(t)) return 'k-conv';
    if (/pool/.test(t)) return 'k-pool';
    if (/norm/.test(t)) return 'k-norm';
    if (/attn|attention/.test(t)) return 'k-attn';
    if (/embed/.test(t)) return 'k-embed';
    if (/dense|linear|gemm|matmul|mlp|fc/.test(t)) return 'k-dense';
    if (/relu|gelu|silu|sigmoid|tanh|softmax|activation|dropout|add|mul|concat|flatten|reshape/.test(t)) return 'k-act';
    return '';
  }

  // ---- model → nodes and edges -------------------------------------------

  // findBlocks finds repeated blocks: rows named PREFIX<n>… (the first
  // number of the name after a '.', '/' or '_': model.layers.17.mlp,
  // /layer3/layer3.4/conv1/Conv), each block's rows consecutive, at least
  // 4 blocks under one prefix. Collapsing keeps a group's first and last
  // block and draws those between as one node.
  function findBlocks(data) {
    var re = /^(.*?[./_])(\d+)(?=[./_]|$)/, runs = {}, order = [];
    data.layers.forEach(function (l, i) {
      var m = re.exec(l.name);
      if (!m) return;
      var r = runs[m[1]];
      if (!r) { r = runs[m[1]] = []; order.push(m[1]); }
      var last = r[r.length - 1];
      if (last && last.n === m[2] && last.to === i - 1) last.to = i;
      else r.push({ n: m[2], from: i, to: i });
    });
    var groups = [];
    order.forEach(function (prefix) {
      var r = runs[prefix], seen = {};
      if (r.length < 4) return;
      for (var k = 0; k < r.length; k++) { if (seen[r[k].n]) return; seen[r[k].n] = true; }
      groups.push({ prefix: prefix, blocks: r, from: r[1].from, to: r[r.length - 2].to });
    });
    return groups;
  }

  function buildGraph(data, groups) {
    var nodes = [], edges = [], nodeOf = new Array(data.layers.length);
    var inputs = data.inputs || [];
    inputs.forEach(function (inp, k) {
      var lines = [cut(inp.name, NAME_MAX), 'input', inp.shape];
      nodes.push({ id: 'i' + k, input: k, name: inp.name, lines: lines, cls: 'input' });
    });
    var start = {};
    (groups || []).forEach(function (g, k) { start[g.from] = k; });
    var pcol = -1;
    data.columns.forEach(function (c, j) { if (c.key === 'params') pcol = j; });
    for (var i = 0; i < data.layers.length; i++) {
      var l = data.layers[i];
      if (start[i] !== undefined) {
        var g = groups[start[i]], n = nodes.length, params = 0, blocks = g.blocks.length - 2;
        for (var j = g.from; j <= g.to; j++) {
          nodeOf[j] = n;
          var v = pcol >= 0 ? data.layers[j].plain[pcol] : '?';
          params = params === null || v === '?' ? null : params + parseInt(v, 10);
        }
        var name = g.prefix + g.blocks[1].n + ' … ' + g.prefix + g.blocks[g.blocks.length - 2].n;
        nodes.push({
          id: 'b' + start[i], group: start[i], name: name, cls: 'block', rows: g.to - g.from + 1, blocks: blocks,
          params: params === null ? '?' : thousands(params),
          lines: [cut(name, NAME_MAX), blocks + ' blocks collapsed', (g.to - g.from + 1) + ' layers', 'params ' + (params === null ? '?' : thousands(params))]
        });
        i = g.to;
        continue;
      }
      nodeOf[i] = nodes.length;
      nodes.push({ id: 'l' + i, layer: i, name: l.name, lines: [cut(l.name, NAME_MAX), cut(l.type, NAME_MAX), cut(l.out, NAME_MAX), 'params ' + l.params], cls: kind(l.type) });
    }
    var seen = {};
    data.edges.forEach(function (e) {
      var from = e[0] < 0 ? -1 - e[0] : nodeOf[e[0]], to = nodeOf[e[1]], key = from + ',' + to;
      if (from === to || seen[key]) return; // inside a collapsed group, or its second edge to one node
      seen[key] = true;
      edges.push({ from: from, to: to, label: e[2] });
    });
    nodes.forEach(function (n) {
      var w = 0;
      n.lines.forEach(function (s) { w = Math.max(w, s.length); });
      n.w = Math.round(w * CHAR + 2 * PAD_X);
      n.h = n.lines.length * LINE + 2 * PAD_Y;
    });
    return { nodes: nodes, edges: edges, nodeOf: nodeOf };
  }

  function thousands(n) { return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ','); }

  // ---- layout ----------------------------------------------------------------

  function dagreLayout(g) {
    var dg = new dagre.graphlib.Graph({ multigraph: true });
    dg.setGraph({ rankdir: 'TB', nodesep: 22, ranksep: 30, edgesep: 12, marginx: 20, marginy: 20 });
    dg.setDefaultEdgeLabel(function () { return {}; });
    g.nodes.forEach(function (n, i) { dg.setNode(String(i), { width: n.w, height: n.h }); });
    g.edges.forEach(function (e, k) {
      dg.setEdge(String(e.from), String(e.to), { width: e.label.length * 6 + 6, height: 12, labelpos: 'c' }, 'e' + k);
    });
    dagre.layout(dg);
    g.nodes.forEach(function (n, i) { var p = dg.node(String(i)); n.x = p.x; n.y = p.y; });
    g.edges.forEach(function (e, k) {
      var p = dg.edge(String(e.from), String(e.to), 'e' + k);
      e.points = p.points; e.lx = p.x; e.ly = p.y;
    });
    var gg = dg.graph();
    g.width = gg.width; g.height = gg.height;
  }

  // layeredLayout is a linear-time layered layout for large graphs: ranks
  // by longest path (the rows come in topological order), each rank
  // ordered by the mean position of its predecessors, edges as curves.
  function layeredLayout(g) {
    var n = g.nodes.length, i, k;
    var preds = new Array(n), rank = new Int32Array(n);
    for (i = 0; i < n; i++) preds[i] = [];
    g.edges.forEach(function (e) { if (e.from < e.to) preds[e.to].push(e.from); });
    var maxRank = 0, column = !g.edges.length; // no edges (a checkpoint's modules): one column, in order
    for (i = 0; i < n; i++) {
      var r = column ? i : 0, p = preds[i];
      for (k = 0; k < p.length; k++) r = Math.max(r, rank[p[k]] + 1);
      rank[i] = r; if (r > maxRank) maxRank = r;
    }
    var ranks = [];
    for (k = 0; k <= maxRank; k++) ranks.push([]);
    for (i = 0; i < n; i++) ranks[rank[i]].push(i);
    var x = new Float64Array(n), y = 0, GAP = 24, RANKSEP = 40, width = 0;
    var bary = new Float64Array(n);
    ranks.forEach(function (row) {
      var h = 0, total = -GAP, mean = 0, j;
      for (j = 0; j < row.length; j++) {
        var v = row[j], p = preds[v], s = 0;
        for (k = 0; k < p.length; k++) s += x[p[k]];
        bary[v] = p.length ? s / p.length : j * 1000;
        mean += bary[v];
        h = Math.max(h, g.nodes[v].h);
        total += g.nodes[v].w + GAP;
      }
      row.sort(function (a, b) { return bary[a] - bary[b] || a - b; });
      mean /= row.length;
      var cx = mean - total / 2;
      for (j = 0; j < row.length; j++) {
        var nd = g.nodes[row[j]];
        x[row[j]] = cx + nd.w / 2;
        cx += nd.w + GAP;
        nd.y = y + h / 2;
      }
      y += h + RANKSEP;
    });
    var minX = Infinity, maxX = -Infinity;
    for (i = 0; i < n; i++) {
      minX = Math.min(minX, x[i] - g.nodes[i].w / 2);
      maxX = Math.max(maxX, x[i] + g.nodes[i].w / 2);
    }
    if (!n) { minX = 0; maxX = 0; }
    for (i = 0; i < n; i++) g.nodes[i].x = x[i] - minX + 20;
    width = maxX - minX + 40;
    g.edges.forEach(function (e) {
      var a = g.nodes[e.from], b = g.nodes[e.to];
      var p0 = { x: a.x, y: a.y + a.h / 2 }, p1 = { x: b.x, y: b.y - b.h / 2 };
      e.points = [p0, p1];
      e.lx = (p0.x + p1.x) / 2; e.ly = (p0.y + p1.y) / 2;
      if (rank[e.to] - rank[e.from] > 1) { // a long edge: bow it out to the side
        var off = 60 + 8 * Math.min(20, rank[e.to] - rank[e.from]);
        e.bow = off; e.lx += off * 0.75;
      }
    });
    g.width = width; g.height = y;
  }

  // ---- drawing ---------------------------------------------------------------
  // A graph of up to VIRTUAL_MIN nodes is drawn whole, once. A larger one
  // is drawn as the view moves: only what is in view (and a margin), and
  // when that is more than DETAIL_MAX nodes (zoomed far out), as two
  // paths, boxes and lines, without text. Either way a drawn node is a
  // <g class="node" data-layer="…">.
  var VIRTUAL_MIN = 1500, DETAIL_MAX = 1200;

  function pathOf(e) {
    var pts = e.points;
    if (e.bow) {
      var a = pts[0], b = pts[pts.length - 1];
      return 'M' + a.x + ',' + a.y + 'C' + (a.x + e.bow) + ',' + (a.y + 40) + ' ' + (b.x + e.bow) + ',' + (b.y - 40) + ' ' + b.x + ',' + b.y;
    }
    if (pts.length === 2) {
      var p = pts[0], q = pts[1], my = (p.y + q.y) / 2;
      return 'M' + p.x + ',' + p.y + 'C' + p.x + ',' + my + ' ' + q.x + ',' + my + ' ' + q.x + ',' + q.y;
    }
    var d = 'M' + pts[0].x + ',' + pts[0].y;
    for (var i = 1; i < pts.length; i++) d += 'L' + pts[i].x + ',' + pts[i].y;
    return d;
  }

  function edgeSVG(e, k) {
    var hot = state.selectedN >= 0 && (e.from === state.selectedN || e.to === state.selectedN);
    return '<g class="edge' + (hot ? ' hot' : '') + '" data-edge="' + k + '" data-from="' + e.from + '" data-to="' + e.to + '"><path d="' + pathOf(e) +
      '" marker-end="url(#arrow)"></path><text text-anchor="middle" x="' + e.lx + '" y="' + (e.ly + 3) + '">' + esc(e.label) + '</text></g>';
  }

  var lineClass = ['name', 'type', 'out', 'params'];
  function nodeSVG(n, i) {
    var attr = n.layer !== undefined ? ' data-layer="' + esc(n.name) + '" data-i="' + n.layer + '"' :
      n.group !== undefined ? ' data-block="' + esc(n.name) + '"' : ' data-input="' + esc(n.name) + '"';
    var cls = 'node ' + n.cls + (i === state.selectedN ? ' selected' : '') + (state.matchNodes.has(i) ? ' match' : '');
    var s = '<g class="' + cls + '" data-n="' + i + '"' + attr + ' transform="translate(' + (n.x - n.w / 2) + ',' + (n.y - n.h / 2) + ')">' +
      '<title>' + esc(n.name) + '</title><rect width="' + n.w + '" height="' + n.h + '"></rect><text>';
    for (var j = 0; j < n.lines.length; j++) {
      s += '<tspan class="' + lineClass[j] + '" x="' + PAD_X + '" y="' + (PAD_Y + LINE * (j + 1) - 3) + '">' + esc(n.lines[j]) + '</tspan>';
    }
    return s + '</text></g>';
  }

  function drawAll() {
    var g = state.graph, es = [], ns = [];
    g.edges.forEach(function (e, k) { es.push(edgeSVG(e, k)); });
    g.nodes.forEach(function (n, i) { ns.push(nodeSVG(n, i)); });
    $('edges').innerHTML = es.join('');
    $('nodes').innerHTML = ns.join('');
  }

  // the view's rectangle in graph coordinates, with a margin
  function viewRect() {
    var box = $('svg').getBoundingClientRect(), v = state.view;
    var x0 = -v.x / v.k, y0 = -v.y / v.k, x1 = (box.width - v.x) / v.k, y1 = (box.height - v.y) / v.k;
    var mx = (x1 - x0) * 0.25, my = (y1 - y0) * 0.25;
    return { x0: x0 - mx, y0: y0 - my, x1: x1 + mx, y1: y1 + my };
  }

  function drawVisible() {
    var g = state.graph, r = viewRect(), vis = [], i, n;
    for (i = 0; i < g.nodes.length; i++) {
      n = g.nodes[i];
      if (n.x + n.w / 2 >= r.x0 && n.x - n.w / 2 <= r.x1 && n.y + n.h / 2 >= r.y0 && n.y - n.h / 2 <= r.y1) vis.push(i);
    }
    var es = [], ns = [];
    var seen = function (e) {
      var a = g.nodes[e.from], b = g.nodes[e.to], bow = e.bow || 0;
      return Math.max(a.x, b.x) + bow >= r.x0 && Math.min(a.x, b.x) <= r.x1 && b.y >= r.y0 && a.y <= r.y1;
    };
    if (vis.length <= DETAIL_MAX) {
      g.edges.forEach(function (e, k) { if (seen(e)) es.push(edgeSVG(e, k)); });
      vis.forEach(function (i) { ns.push(nodeSVG(g.nodes[i], i)); });
      state.detail = true;
    } else {
      var d = '', ed = '';
      vis.forEach(function (i) { var n = g.nodes[i]; d += 'M' + (n.x - n.w / 2) + ',' + (n.y - n.h / 2) + 'h' + n.w + 'v' + n.h + 'h' + (-n.w) + 'z'; });
      g.edges.forEach(function (e) {
        if (!seen(e)) return;
        var a = e.points[0], b = e.points[e.points.length - 1];
        ed += 'M' + a.x + ',' + a.y + 'L' + b.x + ',' + b.y;
      });
      es.push('<g class="edge lod"><path d="' + ed + '"></path></g>');
      ns.push('<path class="lod-nodes" d="' + d + '"></path>');
      if (state.selectedN >= 0) ns.push(nodeSVG(g.nodes[state.selectedN], state.selectedN));
      state.detail = false;
    }
    $('edges').innerHTML = es.join('');
    $('nodes').innerHTML = ns.join('');
    state.drawn = vis.length;
  }

  var redrawPending = false;
  function redraw() {
    if (!state.virtual || redrawPending) return;
    redrawPending = true;
    requestAnimationFrame(function () { redrawPending = false; if (state.virtual) drawVisible(); });
  }

  // marks updates the selection and search marks on what is drawn.
  function marks() {
    if (state.virtual) { redraw(); return; }
    document.querySelectorAll('#nodes .node.selected, #nodes .node.match, #edges .edge.hot').forEach(function (el) { el.classList.remove('selected', 'match', 'hot'); });
    state.matchNodes.forEach(function (i) { var el = $('nodes').children[i]; if (el) el.classList.add('match'); });
    var n = state.selectedN;
    if (n >= 0) {
      $('nodes').children[n].classList.add('selected');
      document.querySelectorAll('#edges .edge[data-from="' + n + '"], #edges .edge[data-to="' + n + '"]').forEach(function (e) { e.classList.add('hot'); });
    }
  }

  // ---- pan and zoom ----------------------------------------------------------

  function applyView() {
    var v = state.view;
    $('viewport').setAttribute('transform', 'translate(' + v.x + ',' + v.y + ') scale(' + v.k + ')');
    redraw();
  }
  function fit() {
    if (!state) return;
    var box = $('svg').getBoundingClientRect(), g = state.graph;
    var k = Math.min(box.width / (g.width + 20), box.height / (g.height + 20), 2);
    if (!isFinite(k) || k <= 0) k = 1;
    state.view = { k: k, x: (box.width - g.width * k) / 2, y: (box.height - g.height * k) / 2 };
    applyView();
  }
  function zoomAt(factor, cx, cy) {
    var v = state.view, k = Math.max(0.005, Math.min(8, v.k * factor));
    v.x = cx - (cx - v.x) * (k / v.k); v.y = cy - (cy - v.y) * (k / v.k); v.k = k;
    applyView();
  }
  function centerOn(n) {
    var box = $('svg').getBoundingClientRect(), v = state.view;
    if (v.k < 0.6) v.k = 1;
    v.x = box.width / 2 - n.x * v.k; v.y = box.height / 2 - n.y * v.k;
    applyView();
  }
  // the first view: the whole graph when it is legible so, else its top
  function firstView() {
    var box = $('svg').getBoundingClientRect(), g = state.graph;
    var k = Math.min(box.width / (g.width + 20), box.height / (g.height + 20), 2);
    if (!isFinite(k) || k <= 0) k = 1;
    if (k >= 0.45) {
      state.view = { k: k, x: (box.width - g.width * k) / 2, y: (box.height - g.height * k) / 2 };
    } else {
      k = Math.max(0.45, Math.min(1, box.width / (g.width + 20)));
      state.view = { k: k, x: Math.max(10, (box.width - g.width * k) / 2), y: 10 };
    }
    var v = state.view;
    $('viewport').setAttribute('transform', 'translate(' + v.x + ',' + v.y + ') scale(' + v.k + ')');
  }

  // nodeAt is the node under a point of the svg (graph coordinates), -1
  // for none: clicks on the undetailed drawing.
  function nodeAt(px, py) {
    var v = state.view, x = (px - v.x) / v.k, y = (py - v.y) / v.k, g = state.graph;
    for (var i = 0; i < g.nodes.length; i++) {
      var n = g.nodes[i];
      if (Math.abs(x - n.x) <= n.w / 2 && Math.abs(y - n.y) <= n.h / 2) return i;
    }
    return -1;
  }

  function wireView() {
    var svg = $('svg'), drag = null;
    svg.addEventListener('wheel', function (ev) {
      ev.preventDefault();
      var r = svg.getBoundingClientRect();
      zoomAt(Math.exp(-ev.deltaY * 0.0015), ev.clientX - r.left, ev.clientY - r.top);
    }, { passive: false });
    svg.addEventListener('pointerdown', function (ev) {
      if (ev.button !== 0) return;
      drag = { x: ev.clientX, y: ev.clientY, vx: state.view.x, vy: state.view.y, moved: false };
    });
    window.addEventListener('pointermove', function (ev) {
      if (!drag) return;
      var dx = ev.clientX - drag.x, dy = ev.clientY - drag.y;
      if (!drag.moved && Math.abs(dx) + Math.abs(dy) < 4) return;
      drag.moved = true; svg.classList.add('panning');
      state.view.x = drag.vx + dx; state.view.y = drag.vy + dy; applyView();
    });
    window.addEventListener('pointerup', function () { svg.classList.remove('panning'); setTimeout(function () { drag = null; }, 0); });
    svg.addEventListener('click', function (ev) {
      if (drag && drag.moved) return;
      var el = ev.target.closest && ev.target.closest('.node'), i;
      if (el) i = +el.getAttribute('data-n');
      else if (state.virtual && !state.detail) {
        var r = svg.getBoundingClientRect();
        i = nodeAt(ev.clientX - r.left, ev.clientY - r.top);
      }
      if (i === undefined || i < 0) return;
      var n = state.graph.nodes[i];
      if (n.layer !== undefined) select(n.layer, false);
      else if (n.group !== undefined) select(state.groups[n.group].from, true); // expands
      else showInput(n);
    });
    $('zoom-in').onclick = function () { var r = svg.getBoundingClientRect(); zoomAt(1.25, r.width / 2, r.height / 2); };
    $('zoom-out').onclick = function () { var r = svg.getBoundingClientRect(); zoomAt(0.8, r.width / 2, r.height / 2); };
    $('fit').onclick = fit;
    $('blocks').onclick = function () { setCollapsed(!state.collapsed); };
    window.addEventListener('keydown', function (ev) {
      if (ev.target.tagName === 'INPUT') return;
      if (ev.key === '0') fit();
      if (ev.key === '+' || ev.key === '=') $('zoom-in').onclick();
      if (ev.key === '-') $('zoom-out').onclick();
      if (ev.key === '/') { ev.preventDefault(); $('search').focus(); }
    });
    window.addEventListener('resize', function () { if (state) applyView(); });
  }

  // ---- selection, search -----------------------------------------------------

  // select shows layer i (an index, or a name): its node and row marked,
  // its explanation; center brings its node into view.
  function select(i, center) {
    if (typeof i === 'string') {
      var name = i; i = -1;
      state.data.layers.some(function (l, k) { if (l.name === name) { i = k; return true; } return false; });
    }
    if (i < 0 || i >= state.data.layers.length) return false;
    var l = state.data.layers[i], n = state.graph.nodeOf[i];
    if (state.graph.nodes[n].layer !== i) { // inside a collapsed group: expand
      state.selected = i;
      setCollapsed(false);
      n = state.graph.nodeOf[i];
    }
    state.selected = i; state.selectedN = n;
    marks();
    if (center) centerOn(state.graph.nodes[n]);
    showRow(i);
    $('explain').textContent = l.explain || (l.name + '  ' + l.type + '\n  output  ' + l.out + '\n  params  ' + l.params +
      (state.data.noArithmetic ? '\n(this report was made without its arithmetic)' : ''));
    return true;
  }

  function showInput(n) {
    var inp = state.data.inputs[n.input];
    $('explain').textContent = inp.name + '  model input\n  shape   ' + inp.shape;
  }

  function wireSearch() {
    var box = $('search'), hits = [], at = -1;
    box.addEventListener('input', function () {
      var q = box.value.trim().toLowerCase();
      hits = []; at = -1; state.matches = new Set();
      if (q) {
        state.data.layers.forEach(function (l, i) { if (l.name.toLowerCase().indexOf(q) >= 0) { hits.push(i); state.matches.add(i); } });
      }
      state.matchNodes = new Set();
      state.matches.forEach(function (i) { state.matchNodes.add(state.graph.nodeOf[i]); });
      marks();
      $('search-count').textContent = q ? hits.length + ' found' : '';
    });
    box.addEventListener('keydown', function (ev) {
      if (ev.key !== 'Enter' || !hits.length) return;
      ev.preventDefault();
      at = (at + (ev.shiftKey ? hits.length - 1 : 1)) % hits.length;
      select(hits[at], true);
      $('search-count').textContent = (at + 1) + ' of ' + hits.length;
    });
  }

  // ---- table -----------------------------------------------------------------
  // The rows shown are state.order (filtered, sorted layer indices). A
  // table of up to TABLE_ALL rows is drawn whole; a longer one only
  // around what is scrolled into view, between two spacer rows.
  var TABLE_ALL = 1000, ROW_H = 20;

  function rowHTML(i) {
    var l = state.data.layers[i], cols = state.data.columns;
    var s = '<tr data-i="' + i + '"' + (i === state.selected ? ' class="selected"' : '') + '>';
    for (var j = 0; j < l.cells.length; j++) s += '<td' + (cols[j].right ? ' class="num"' : '') + '>' + esc(l.cells[j]) + '</td>';
    return s + '</tr>';
  }

  function drawRows() {
    var order = state.order, body = $('table').tBodies[0], out = [];
    if (!state.virtualTable) {
      for (var k = 0; k < order.length; k++) out.push(rowHTML(order[k]));
      body.innerHTML = out.join('');
      return;
    }
    var wrap = $('table-wrap'), top = wrap.scrollTop, h = wrap.clientHeight || 600;
    var first = Math.max(0, Math.floor(top / ROW_H) - 30), last = Math.min(order.length, Math.ceil((top + h) / ROW_H) + 30);
    out.push('<tr class="spacer" style="height:' + first * ROW_H + 'px"></tr>');
    for (var j = first; j < last; j++) out.push(rowHTML(order[j]));
    out.push('<tr class="spacer" style="height:' + (order.length - last) * ROW_H + 'px"></tr>');
    body.innerHTML = out.join('');
  }

  // showRow marks layer i's row and scrolls it into view.
  function showRow(i) {
    var wrap = $('table-wrap');
    if (state.virtualTable) {
      var pos = state.order.indexOf(i);
      if (pos >= 0) {
        var y = pos * ROW_H;
        if (y < wrap.scrollTop || y > wrap.scrollTop + wrap.clientHeight - 2 * ROW_H) wrap.scrollTop = Math.max(0, y - wrap.clientHeight / 2);
      }
      drawRows();
      return;
    }
    var body = $('table').tBodies[0];
    body.querySelectorAll('tr.selected').forEach(function (tr) { tr.classList.remove('selected'); });
    var tr = body.querySelector('tr[data-i="' + i + '"]');
    if (tr) { tr.classList.add('selected'); tr.scrollIntoView({ block: 'nearest' }); }
  }

  function drawTable(data) {
    var cols = data.columns, head = '<tr>';
    cols.forEach(function (c, j) { head += '<th data-col="' + j + '"' + (c.right ? ' class="num"' : '') + '>' + esc(c.title) + '</th>'; });
    $('table').tHead.innerHTML = head + '</tr>';
    state.order = data.layers.map(function (l, i) { return i; });
    state.virtualTable = data.layers.length > TABLE_ALL;
    $('table').classList.toggle('virtual', state.virtualTable);
    $('table-wrap').scrollTop = 0;
    drawRows();
    var foot = '<tr>';
    cols.forEach(function (c) {
      var v = '';
      if (c.key === 'name') v = 'total';
      else if (c.key === 'params') v = data.totals.params;
      else if (c.key === 'flops') v = data.totals.flops;
      else if (c.key === 'other_ops') v = data.totals.other_ops || '';
      foot += '<td' + (c.right ? ' class="num"' : '') + '>' + esc(v) + '</td>';
    });
    $('table').tFoot.innerHTML = foot + '</tr>';
    $('row-count').textContent = data.layers.length + ' rows';
  }

  function wireTable() {
    var sortCol = -1, asc = true, rowsPending = false;
    // the order of the filter and the sort
    function reorder() {
      var q = $('filter').value.trim().toLowerCase(), layers = state.data.layers, order = [];
      layers.forEach(function (l, i) {
        if (!q || l.name.toLowerCase().indexOf(q) >= 0 || l.type.toLowerCase().indexOf(q) >= 0 || l.out.toLowerCase().indexOf(q) >= 0) order.push(i);
      });
      if (sortCol >= 0) {
        var j = sortCol, right = state.data.columns[j].right;
        order.sort(function (a, b) {
          var x = layers[a].plain[j], y = layers[b].plain[j], c;
          if (right) {
            var nx = x === '?' ? NaN : parseFloat(x), ny = y === '?' ? NaN : parseFloat(y);
            if (isNaN(nx) || isNaN(ny)) c = isNaN(nx) - isNaN(ny); // unknowns last
            else c = asc ? nx - ny : ny - nx;
          } else {
            c = asc ? x.localeCompare(y) : y.localeCompare(x);
          }
          return c || a - b;
        });
      }
      state.order = order;
      drawRows();
      $('row-count').textContent = q ? order.length + ' of ' + layers.length + ' rows' : layers.length + ' rows';
    }
    $('table').tHead.addEventListener('click', function (ev) {
      var th = ev.target.closest('th'); if (!th) return;
      var j = +th.getAttribute('data-col');
      asc = sortCol === j ? !asc : !state.data.columns[j].right; // numbers: largest first
      sortCol = j;
      reorder();
      this.querySelectorAll('th').forEach(function (t) { t.classList.remove('asc', 'desc'); });
      th.classList.add(asc ? 'asc' : 'desc');
    });
    $('table').tBodies[0].addEventListener('click', function (ev) {
      var tr = ev.target.closest('tr'); if (!tr || !tr.hasAttribute('data-i')) return;
      select(+tr.getAttribute('data-i'), true);
    });
    $('filter').addEventListener('input', reorder);
    $('table-wrap').addEventListener('scroll', function () {
      if (!state.virtualTable || rowsPending) return;
      rowsPending = true;
      requestAnimationFrame(function () { rowsPending = false; drawRows(); });
    });
    api.resetTable = function () { sortCol = -1; asc = true; $('table').tHead.querySelectorAll('th').forEach(function (t) { t.classList.remove('asc', 'desc'); }); };
  }

  // ---- errors, opening other models (served page) ----------------------------

  function showError(err) {
    var box = $('error');
    if (!err) { box.hidden = true; box.textContent = ''; return; }
    box.hidden = false;
    box.textContent = err.message;
    if (err.source !== undefined && err.line) {
      var src = document.createElement('span');
      src.className = 'src';
      var gutter = String(err.line) + ' | ';
      src.textContent = gutter + err.source + (err.col ? '\n' + ' '.repeat(gutter.length + err.col - 1) + '^' : '');
      box.appendChild(src);
    }
  }

  function request(url, opts) {
    opts = opts || {};
    opts.headers = { 'X-Layerinfo': '1' };
    return fetch(url, opts).then(function (resp) {
      return resp.json().catch(function () { return { error: { message: 'the server answered ' + resp.status } }; });
    }).then(function (out) {
      if (out.error) { showError(out.error); return false; }
      render(out);
      return true;
    }, function (e) { showError({ message: String(e) }); return false; });
  }

  function wireOpen() {
    $('open').addEventListener('submit', function (ev) {
      ev.preventDefault();
      var p = $('path').value.trim();
      if (p) request('/open?path=' + encodeURIComponent(p));
    });
    function upload(file) {
      var max = state && state.data.maxUpload;
      if (max && file.size > max) {
        showError({ message: file.name + ': ' + file.size + ' bytes, more than the ' + max + ' an upload may have' });
        return;
      }
      request('/upload?name=' + encodeURIComponent(file.name), { method: 'POST', body: file });
    }
    $('file').addEventListener('change', function () { if (this.files.length) upload(this.files[0]); this.value = ''; });
    var depth = 0;
    document.addEventListener('dragenter', function (ev) { ev.preventDefault(); if (state && state.data.served) { depth++; $('drop').hidden = false; } });
    document.addEventListener('dragleave', function () { if (--depth <= 0) { depth = 0; $('drop').hidden = true; } });
    document.addEventListener('dragover', function (ev) { ev.preventDefault(); });
    document.addEventListener('drop', function (ev) {
      ev.preventDefault(); depth = 0; $('drop').hidden = true;
      if (state && state.data.served && ev.dataTransfer.files.length) upload(ev.dataTransfer.files[0]);
    });
  }
  api.upload = function (name, text) { return request('/upload?name=' + encodeURIComponent(name), { method: 'POST', body: text }); };
  api.open = function (p) { return request('/open?path=' + encodeURIComponent(p)); };

  // ---- the whole page ----------------------------------------------------------

  function render(data) {
    var t0 = performance.now();
    api.ready = false;
    document.body.removeAttribute('data-ready');
    $('open').hidden = !data.served;
    showError(data.error);
    $('model-path').textContent = data.model.path || '';
    $('model-format').textContent = data.model.format ? '(' + data.model.format + ')' : '';
    if (data.model.path) document.title = data.model.path + ' — layerinfo';
    var tm = api.timings = {}, mark = function (k) { tm[k] = Math.round(performance.now() - t0); };
    state = {
      data: data, view: { k: 1, x: 0, y: 0 }, groups: findBlocks(data), collapsed: false,
      selected: -1, selectedN: -1, matches: new Set()
    };
    $('blocks').hidden = !state.groups.length;
    $('filter').value = ''; $('search').value = ''; $('search-count').textContent = '';
    if (api.resetTable) api.resetTable();
    drawTable(data);
    mark('table');
    $('note').textContent = data.note || '';
    $('footer').textContent = data.footer || '';
    $('explain').textContent = data.layers.length ? 'Click a layer in the graph or the table to see its arithmetic.' :
      data.served ? 'Open a model: type its path above, or drop its file on the page (or choose it with upload…).' : '';
    relayout(mark);
    requestAnimationFrame(function () {
      requestAnimationFrame(function () {
        api.renderMs = performance.now() - t0;
        mark('painted');
        api.pageMs = performance.now();
        api.ready = true;
        document.body.setAttribute('data-ready', '1');
      });
    });
  }
  api.render = render;

  // relayout builds, lays out and draws the graph, blocks collapsed or
  // not (state.collapsed), and shows it from its top or whole.
  function relayout(mark) {
    mark = mark || function () {};
    var data = state.data, g = buildGraph(data, state.collapsed ? state.groups : null);
    mark('build');
    var useDagre = typeof dagre !== 'undefined' && g.edges.length > 0 && g.nodes.length <= DAGRE_MAX_NODES && g.edges.length <= DAGRE_MAX_EDGES;
    if (useDagre) dagreLayout(g); else layeredLayout(g);
    api.layout = useDagre ? 'dagre' : 'layered';
    mark('layout');
    state.graph = g;
    state.virtual = g.nodes.length > VIRTUAL_MIN;
    state.selectedN = state.selected >= 0 ? g.nodeOf[state.selected] : -1;
    var m = new Set();
    state.matches.forEach(function (i) { m.add(g.nodeOf[i]); });
    state.matchNodes = m;
    var rows = 0;
    if (state.collapsed) state.groups.forEach(function (gr) { rows += gr.to - gr.from + 1; });
    $('blocks').textContent = state.collapsed ? 'expand blocks' : 'collapse blocks';
    $('graph-info').textContent = data.layers.length + ' layers, ' + data.edges.length + ' edges' +
      (state.collapsed ? ' (' + rows + ' layers in ' + state.groups.length + ' collapsed group' + (state.groups.length > 1 ? 's' : '') + ')' : '') +
      ' · ' + api.layout + ' layout' + (state.virtual ? ', drawn as it comes into view' : '') + ' · drag to pan, wheel to zoom';
    firstView();
    if (state.virtual) drawVisible(); else drawAll();
    mark('draw');
  }

  function setCollapsed(on) {
    if (!state || state.collapsed === on || !state.groups.length) return;
    state.collapsed = on;
    relayout();
  }
  api.collapse = setCollapsed;

  function load() {
    var data = JSON.parse($('layerinfo-data').textContent);
    render(data);
  }

  wireView(); wireSearch(); wireTable(); wireOpen();
  load();
})();

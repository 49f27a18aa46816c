/* Maps with the vendored Leaflet: pin picker (forms), one case (staff page), public reports (/laporan).
 * Tiles only from the configured MAP_TILE_URL; without it (or when it fails) the kecamatan outline
 * shipped with the installation is the map, so nothing is requested from another host. */
(function () {
  "use strict";
  if (typeof L === "undefined") { return; }
  var DEFAULT_CENTRE = [-2.5, 118.0];  // Indonesia, before the outline is known
  var INDONESIA = [[-11.2, 94.7], [6.3, 141.2]];

  function data(el, name) { return el.getAttribute("data-" + name) || ""; }

  function insideRing(lat, lon, ring) {
    var inside = false;
    for (var i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      var xi = ring[i][0], yi = ring[i][1], xj = ring[j][0], yj = ring[j][1];
      if (((yi > lat) !== (yj > lat)) && (lon < (xj - xi) * (lat - yi) / (yj - yi) + xi)) { inside = !inside; }
    }
    return inside;
  }

  function insideOutline(geojson, lat, lon) {
    return (geojson.features || []).some(function (f) {
      var g = f.geometry || {};
      var polys = g.type === "Polygon" ? [g.coordinates] : g.type === "MultiPolygon" ? g.coordinates : [];
      return polys.some(function (p) { return insideRing(lat, lon, p[0]); });
    });
  }

  function baseMap(el) {
    var map = L.map(el, {attributionControl: true}).setView(DEFAULT_CENTRE, 5);
    var state = {map: map, outline: null, tilesFailed: false};
    var box = el.closest("details");
    if (box) {  // a map drawn while folded has no size: redraw when opened
      box.addEventListener("toggle", function () {
        map.invalidateSize();
        if (state.bounds) { map.fitBounds(state.bounds); }
      });
    }
    var tiles = data(el, "tiles");
    if (tiles) {
      var layer = L.tileLayer(tiles, {attribution: data(el, "attribution"), maxZoom: 19});
      layer.on("tileerror", function () { state.tilesFailed = true; el.classList.add("map-offline"); });
      layer.addTo(map);
    } else {
      el.classList.add("map-offline");
    }
    state.ready = new Promise(function (resolve) {
      var url = data(el, "outline");
      if (!url) { resolve(state); return; }
      fetch(url, {credentials: "same-origin"}).then(function (r) { return r.ok ? r.json() : null; })
        .then(function (geojson) {
          if (geojson) {
            state.outline = geojson;
            var layer = L.geoJSON(geojson, {
              style: {color: "#2f6f9f", weight: 1, fillColor: "#dfeaf3", fillOpacity: tiles ? 0.05 : 0.6},
              onEachFeature: function (f, l) { if (f.properties && f.properties.nama) { l.bindTooltip(f.properties.nama); } }
            }).addTo(map);
            state.bounds = layer.getBounds();
            map.fitBounds(state.bounds);
          }
          resolve(state);
        }, function () { resolve(state); });
    });
    return state;
  }

  function picker(el) {
    var lat = document.getElementById(data(el, "lat-input"));
    var lon = document.getElementById(data(el, "lon-input"));
    // a staff form is a table of fields: the picker goes right under the coordinates it fills,
    // above the Save button (the page renders it after the form)
    var holder = el.closest(".map-picker");
    var lonRow = lon && lon.closest("tr");
    if (holder && lonRow && !lonRow.contains(holder)) {
      var row = document.createElement("tr"), cell = document.createElement("td");
      row.className = "map-picker-row";
      cell.colSpan = lonRow.cells.length;
      cell.appendChild(holder);
      row.appendChild(cell);
      lonRow.parentNode.insertBefore(row, lonRow.nextSibling);
    }
    var state = baseMap(el);
    var map = state.map;
    var status = document.getElementById(data(el, "status"));
    var marker = null;
    function say(text, warn) {
      if (!status) { return; }
      status.textContent = text;
      status.className = warn ? "text-warning" : "text-muted";
    }
    function place(latitude, longitude, pan) {
      if (latitude < INDONESIA[0][0] || latitude > INDONESIA[1][0] || longitude < INDONESIA[0][1] || longitude > INDONESIA[1][1]) {
        say(data(el, "msg-indonesia"), true);
        return;
      }
      if (!marker) { marker = L.marker([latitude, longitude], {draggable: true}).addTo(map); marker.on("dragend", function () {
        var p = marker.getLatLng(); place(p.lat, p.lng, false); }); }
      marker.setLatLng([latitude, longitude]);
      lat.value = latitude.toFixed(6);
      lon.value = longitude.toFixed(6);
      el.setAttribute("data-pin", lat.value + "," + lon.value);
      if (pan) { map.setView([latitude, longitude], Math.max(map.getZoom(), 14)); }
      var outside = state.outline && !insideOutline(state.outline, latitude, longitude);
      say((outside ? data(el, "msg-outside") + " " : data(el, "msg-set") + " ") + lat.value + ", " + lon.value, outside);
    }
    map.on("click", function (e) { place(e.latlng.lat, e.latlng.lng, false); });
    state.ready.then(function () {
      if (lat.value && lon.value) { place(parseFloat(lat.value), parseFloat(lon.value), true); }
    });
    var clear = document.getElementById(data(el, "clear"));
    if (clear) {
      clear.addEventListener("click", function () {
        if (marker) { map.removeLayer(marker); marker = null; }
        lat.value = ""; lon.value = ""; el.removeAttribute("data-pin"); say("", false);
      });
    }
    var locate = document.getElementById(data(el, "locate"));
    if (locate) {
      locate.addEventListener("click", function () {
        if (!navigator.geolocation) { say(data(el, "msg-nogps"), true); return; }
        say("…", false);
        navigator.geolocation.getCurrentPosition(function (pos) {
          place(pos.coords.latitude, pos.coords.longitude, true);
        }, function () { say(data(el, "msg-nogps"), true); });
      });
    }
    // choosing a kelurahan centres the map on its kecamatan (address search over the region list)
    var select = document.getElementById(data(el, "region-select"));
    var points = JSON.parse(data(el, "points") || "{}");
    if (select) {
      select.addEventListener("change", function () {
        var code = (select.value || "").split(".").slice(0, 3).join(".");
        if (points[code] && !marker) { map.setView(points[code], 13); }
      });
    }
  }

  function single(el) {
    var state = baseMap(el);
    var latitude = parseFloat(data(el, "lat")), longitude = parseFloat(data(el, "lon"));
    state.ready.then(function () {
      L.marker([latitude, longitude]).addTo(state.map);
      state.map.setView([latitude, longitude], 14);
    });
  }

  function reports(el) {
    var state = baseMap(el);
    var items = JSON.parse(data(el, "reports") || "[]");
    state.ready.then(function () {
      var group = L.featureGroup();
      items.forEach(function (r) {
        var m = L.circleMarker([r.lat, r.lon], {radius: 6, color: "#b03a2e", weight: 1, fillOpacity: 0.7});
        var link = document.createElement("a");
        link.href = r.url;
        link.textContent = r.number + " — " + r.title;
        m.bindPopup(link);
        group.addLayer(m);
      });
      group.addTo(state.map);
      if (items.length && !state.outline) { state.map.fitBounds(group.getBounds(), {maxZoom: 14}); }
    });
  }

  // searchable region select: typing filters the options (the select works without script too)
  Array.prototype.forEach.call(document.querySelectorAll("input.region-search"), function (input) {
    var select = document.getElementById(input.getAttribute("data-target"));
    if (!select) { return; }
    input.addEventListener("input", function () {
      var q = input.value.trim().toLowerCase();
      var first = null;
      Array.prototype.forEach.call(select.querySelectorAll("optgroup"), function (group) {
        var groupHit = group.label.toLowerCase().indexOf(q) >= 0;
        var any = false;
        Array.prototype.forEach.call(group.querySelectorAll("option"), function (o) {
          var hit = !q || groupHit || o.textContent.toLowerCase().indexOf(q) >= 0;
          o.hidden = !hit; o.disabled = !hit && o.value !== select.value;
          if (hit) { any = true; if (!first) { first = o; } }
        });
        group.hidden = !any;
      });
      if (q && first && (select.selectedIndex < 0 || select.options[select.selectedIndex].hidden)) {
        select.value = first.value;
        select.dispatchEvent(new Event("change"));
      }
    });
  });

  Array.prototype.forEach.call(document.querySelectorAll(".lapor-map"), function (el) {
    var mode = data(el, "mode");
    if (mode === "picker") { picker(el); } else if (mode === "case") { single(el); } else if (mode === "reports") { reports(el); }
  });
})();

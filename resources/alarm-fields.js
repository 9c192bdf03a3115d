/*
 * The alarm-field list of the scada-events and scada-history dialogs: the standard fields the runtime
 * sends as a node setting (src/masterscada/vendor.ts STANDARD_FIELDS), one editable row per field
 * (a standard field by name, or a custom id + name + time flag), reading the rows back, and the
 * first problem of a field list. Each dialog keeps its own i18n keys and its own way of showing a problem.
 * Node-RED serves this file at resources/<module>/alarm-fields.js and loads it before the node's editor code.
 */
(function () {
    'use strict';
    var editor = window.ForesightMasterscadaEditor = window.ForesightMasterscadaEditor || {};
    var EVENT_ID = 1;

    /** The standard fields of a node setting (the runtime's `{ id, name, kind }` list) and look-ups into them. */
    function catalog(setting) {
        var fields = (setting || []).map(function (f) {
            return f.kind === 'time' ? { id: f.id, name: f.name, time: true } : { id: f.id, name: f.name };
        });
        function byId(id) {
            for (var i = 0; i < fields.length; i++) { if (fields[i].id === Number(id)) { return fields[i]; } }
            return null;
        }
        return {
            fields: fields,
            byId: byId,
            /** Copies of the standard fields with these ids, in this order (an unknown id gives `{}`). */
            copies: function (ids) {
                return ids.map(function (id) { return $.extend({}, byId(id)); });
            }
        };
    }

    /**
     * Fills one editableList row for field `f` (null: a new row, the third standard field).
     * `text`: the dialog's own texts { custom, name, time }; `changed`: called when the row's field changes.
     */
    function addRow(row, f, std, text, changed) {
        var known = f && f.id !== undefined ? std.byId(f.id) : null;
        var isCustom = f && f.id !== undefined && (!known || (f.name && f.name !== known.name));
        var kind = $('<select>', { class: 'fld-kind', style: 'width: 150px; margin-right: 6px;' }).appendTo(row);
        std.fields.forEach(function (s) {
            $('<option>').val(String(s.id)).text(s.name + ' (' + s.id + ')').appendTo(kind);
        });
        $('<option>').val('custom').text(text.custom).appendTo(kind);
        var custom = $('<span>', { class: 'fld-custom' }).appendTo(row);
        $('<input>', { type: 'text', class: 'fld-id', style: 'width: 50px; margin-right: 4px;', placeholder: 'id' }).val(isCustom ? f.id : '').appendTo(custom);
        $('<input>', { type: 'text', class: 'fld-name', style: 'width: 110px; margin-right: 4px;' })
            .attr('placeholder', text.name).val(isCustom ? (f.name || '') : '').appendTo(custom);
        var timeLabel = $('<label>', { style: 'width: auto;' }).appendTo(custom);
        $('<input>', { type: 'checkbox', class: 'fld-time', style: 'width: auto; margin: 0 4px 0 0;' }).prop('checked', isCustom && f.time === true).appendTo(timeLabel);
        $('<span>').text(text.time).appendTo(timeLabel);
        kind.val(isCustom ? 'custom' : String(known ? known.id : std.fields[2].id));
        kind.on('change', function () {
            custom.toggle(kind.val() === 'custom');
            changed();
        });
        custom.find('input').on('change keyup', function () { changed(); });
        custom.toggle(kind.val() === 'custom');
    }

    /** The fields of an editableList filled by addRow, as the node saves them. */
    function read(list, std) {
        var fields = [];
        list.editableList('items').each(function () {
            var r = $(this);
            var kind = r.find('.fld-kind').val();
            if (kind === 'custom') {
                var idText = String(r.find('.fld-id').val()).trim();
                var id = /^\d+$/.test(idText) ? Number(idText) : idText;
                var f = { id: id, name: String(r.find('.fld-name').val()).trim() };
                if (r.find('.fld-time').is(':checked') || (std.byId(id) || {}).time) { f.time = true; }
                fields.push(f);
            } else {
                var known = std.byId(kind);
                fields.push(known.time ? { id: known.id, name: known.name, time: true } : { id: known.id, name: known.name });
            }
        });
        return fields;
    }

    /**
     * The first problem of a field list, or null: `{ code, id, name }` with code one of fieldId, fieldName,
     * fieldTwice, eventId (the error keys both nodes use). `isId` decides which field ids are valid.
     */
    function problem(fields, std, isId) {
        var names = {};
        for (var j = 0; j < fields.length; j++) {
            var f = fields[j] || {};
            if (!isId(f.id)) { return { code: 'fieldId', id: f.id }; }
            var name = (f.name && String(f.name).trim()) || (std.byId(f.id) || {}).name;
            if (!name) { return { code: 'fieldName', id: f.id }; }
            if (names[name]) { return { code: 'fieldTwice', id: f.id, name: name }; }
            names[name] = true;
        }
        if (!hasEventId(fields)) { return { code: 'eventId' }; }
        return null;
    }

    function hasEventId(fields) {
        return fields.some(function (f) { return f && Number(f.id) === EVENT_ID; });
    }

    editor.alarmFields = { catalog: catalog, addRow: addRow, read: read, problem: problem, hasEventId: hasEventId };
})();

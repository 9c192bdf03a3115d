/*
 * The parts the masterscada-server and foresight-server dialogs share: the TLS row shown only when
 * "use TLS" is ticked, and the Test connection button, which posts the dialog's values as they are now
 * (saved or not) to the node type's admin endpoint and shows the answer under the button.
 * Node-RED serves this file at resources/<module>/server-dialog.js and loads it before the node's editor code.
 */
(function () {
    'use strict';
    var editor = window.ForesightMasterscadaEditor = window.ForesightMasterscadaEditor || {};
    var ERROR_COLOR = 'var(--red-ui-text-color-error, #d6615f)';

    /** oneditprepare: the TLS config row follows the checkbox. */
    function prepareTls() {
        function updateTls() {
            $('#node-config-row-tls').toggleClass('hide', !$('#node-config-input-usetls').is(':checked'));
        }
        $('#node-config-input-usetls').on('change', updateTls);
        updateTls();
    }

    /** oneditsave: no TLS config node is kept when TLS is off. */
    function saveTls() {
        if (!$('#node-config-input-usetls').is(':checked')) {
            $('#node-config-input-tls').val('_ADD_');
        }
    }

    /**
     * oneditprepare: wires the Test connection button of config node `node` (type `node.type`, whose
     * catalog has `test.running` and `test.failed`). The request carries the node's id, the dialog's
     * `node-config-input-<name>` values of `inputs.fields` and `inputs.credentials`, and its TLS choice;
     * `okText(answer)` gives the text of a successful answer (`answer.ok` true).
     */
    function prepareTestConnection(node, inputs, okText) {
        var prefix = node.type;
        function val(name) { return $('#node-config-input-' + name).val(); }
        function body() {
            var b = { id: node.id };
            inputs.fields.forEach(function (name) { b[name] = val(name); });
            b.usetls = $('#node-config-input-usetls').is(':checked');
            b.tls = val('tls');
            b.credentials = {};
            inputs.credentials.forEach(function (name) { b.credentials[name] = val(name); });
            return b;
        }
        $('#node-config-test-connection').on('click', function () {
            var out = $('#node-config-test-result').css('color', '').text(node._(prefix + '.test.running')).show();
            var failed = function (code, message) {
                out.addClass('node-config-test-failed').removeClass('node-config-test-ok').css('color', ERROR_COLOR)
                    .text(node._(prefix + '.test.failed', { code: code, message: message }));
            };
            $.ajax({ url: prefix + '/test-connection', type: 'POST', contentType: 'application/json', data: JSON.stringify(body()), dataType: 'json' })
                .done(function (r) {
                    if (!r.ok) { return failed(r.code, r.message); }
                    out.addClass('node-config-test-ok').removeClass('node-config-test-failed').css('color', '').text(okText(r));
                })
                .fail(function (xhr) { failed('HTTP_' + xhr.status, xhr.statusText || ''); });
        });
    }

    editor.serverDialog = { prepareTls: prepareTls, saveTls: saveTls, prepareTestConnection: prepareTestConnection };
})();

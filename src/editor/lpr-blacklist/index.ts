/**
 * Editor side of the `lpr-blacklist` config node: a watch list shared by `lpr-blacklist-match` and
 * `lpr-blacklist-update` nodes, optionally kept in sync over `{root}/blacklist/updates`.
 *
 * The registerType call below must stay a literal call with an inline object literal (and inline
 * `defaults`): the Flow Library scorecard parses dist/lpr-blacklist.html with acorn.
 * Property names are read by src/runtime/blacklist-settings.ts; do not rename them.
 *
 * The entries are edited in an editableList on `<ol id="node-config-input-entries">`. Node-RED
 * reads every property's value from its input with jQuery `.val()` after oneditsave; for an `<ol>`
 * that returns the element's `value` expando, so the dialog keeps `value` equal to the current
 * rows (an array of entries): validation sees the rows as they are typed, and saving stores them.
 */
import { exampleExpiry } from '../shared/example-dates';
import {
  BLACKLIST_FIELDS,
  BLACKLIST_PRIORITIES,
  blacklistCsv,
  blacklistEntryProblems,
  blacklistEntryWarnings,
  blacklistLabel,
  cleanBlacklistEntry,
  currentValue,
  isTrue,
  looseDateTimeToIso,
  numberValidator,
  orMissing,
  parseBlacklistCsv,
  validateBlacklistEntries,
  validateOptionalFilePath,
  selectedBroker,
  str,
} from '../shared/validate';

const PREFIX = 'node-config-input';

/** A text of this node's catalog; English where the editor has none. */
function tr(node: any, key: string, english: string, params?: Record<string, unknown>): string {
  return node && typeof node._ === 'function' ? node._(`lpr-blacklist.${key}`, params) : english;
}
const LIST = '#node-config-input-entries';
/** Largest CSV file the dialog reads; bigger lists belong in a flow (blacklist update, import). */
const MAX_IMPORT_BYTES = 16 * 1024 * 1024;

/** The input of each entry field in a row. */
const FIELD_CLASS: Record<string, string> = {
  plate_number: 'lpr-bl-plate',
  province: 'lpr-bl-province',
  country: 'lpr-bl-country',
  priority: 'lpr-bl-priority',
  reason: 'lpr-bl-reason',
  list: 'lpr-bl-list',
  expires_at: 'lpr-bl-expires',
};

function text(value: unknown): string {
  if (value === undefined || value === null) return '';
  return typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value);
}

/** The entry a row holds now: its inputs (trimmed, empty ones left out) over the fields it was loaded with. Null when empty. */
function rowEntry(row: any, save = false): Record<string, unknown> | null {
  const raw: Record<string, unknown> = { ...(row.data('data') || {}) };
  for (const field of BLACKLIST_FIELDS) raw[field] = row.find(`.${FIELD_CLASS[field]}`).val();
  if (save && typeof raw.expires_at === 'string') raw.expires_at = looseDateTimeToIso(raw.expires_at) ?? raw.expires_at;
  return cleanBlacklistEntry(raw);
}

/** Marks the inputs of a row that are wrong and says why under it; tells whether it has a problem or has expired. */
function checkRow(row: any): { problem: boolean; expired: boolean } {
  row.find('input, select').removeClass('input-error');
  const message = row.find('.lpr-bl-row-message').removeClass('lpr-bl-error lpr-bl-warning').text('');
  const entry = rowEntry(row);
  if (entry === null) return { problem: false, expired: false };
  const problems = blacklistEntryProblems(entry);
  for (const p of problems) row.find(`.${FIELD_CLASS[p.field] ?? 'lpr-bl-plate'}`).addClass('input-error');
  if (problems.length > 0) {
    message.addClass('lpr-bl-error').text(problems.map((p) => `${p.field} ${p.message}`).join('; '));
    return { problem: true, expired: false };
  }
  const warnings = blacklistEntryWarnings(entry);
  if (warnings.length > 0) message.addClass('lpr-bl-warning').text(warnings.map((w) => `${w.field} ${w.message}`).join('; '));
  return { problem: false, expired: warnings.some((w) => w.field === 'expires_at') };
}

RED.nodes.registerType('lpr-blacklist', {
  category: 'config',
  // Config dialogs are titled with it ("Edit watch list node"), not with the raw type name.
  paletteLabel: function (this: any) {
    return tr(this, 'paletteLabel', 'watch list');
  },
  defaults: {
    name: { value: '' },
    broker: { value: '', type: 'lpr-broker', required: false, label: 'Broker' },
    entries: { value: [], label: 'Entries', validate: validateBlacklistEntries },
    persist: { value: true },
    file: { value: '', label: 'File', validate: validateOptionalFilePath },
    answerRequests: { value: true },
    requestLimit: { value: 6, label: 'Answers per camera', validate: orMissing(numberValidator({ min: 1, max: 600, integer: true, unit: 'per minute' })) },
    snapshotKiB: { value: 240, label: 'Chunks', validate: orMissing(numberValidator({ min: 4, max: 262144, integer: true, unit: 'KiB' })) },
  },
  label: function (this: any) {
    const count = Array.isArray(this.entries) ? this.entries.length : 0;
    return this.name || tr(this, count === 1 ? 'label.nodeOne' : 'label.nodeMany', blacklistLabel(this.entries), { count });
  },
  oneditprepare: function (this: any) {
    const node = this;
    // A list saved before the limit existed has no value: show the default the runtime uses.
    if (node.requestLimit === undefined) $('#node-config-input-requestLimit').val(6);
    if (node.snapshotKiB === undefined) $('#node-config-input-snapshotKiB').val(240);
    const list = $(LIST);
    const listEl = list[0];
    let building = true;
    let refreshTimer: ReturnType<typeof setTimeout> | null = null;
    let downloadUrl: string | null = null;

    const items = (): any[] => {
      const out: any[] = [];
      list.editableList('items').each(function (_i: number, row: any) {
        out.push($(row));
      });
      return out;
    };
    const collect = (save = false): Array<Record<string, unknown>> => {
      const entries: Array<Record<string, unknown>> = [];
      for (const row of items()) {
        const entry = rowEntry(row, save);
        if (entry !== null) entries.push(entry);
      }
      return entries;
    };
    // Keeps the list's value (what Node-RED validates and saves) equal to the rows, and sums them up.
    const refresh = () => {
      if (refreshTimer !== null) clearTimeout(refreshTimer);
      refreshTimer = null;
      let count = 0;
      let problems = 0;
      let expired = 0;
      const entries: Array<Record<string, unknown>> = [];
      for (const row of items()) {
        const entry = rowEntry(row);
        const state = checkRow(row);
        if (entry === null) continue;
        entries.push(entry);
        count++;
        if (state.problem) problems++;
        if (state.expired) expired++;
      }
      (listEl as any).value = entries;
      const parts = [tr(node, count === 1 ? 'summary.one' : 'summary.many', `${count} ${count === 1 ? 'entry' : 'entries'}`, { count })];
      if (problems) parts.push(tr(node, 'summary.problems', `${problems} with problems (marked in red: fix or delete them)`, { count: problems }));
      if (expired) parts.push(tr(node, 'summary.expired', `${expired} already expired`, { count: expired }));
      $('#lpr-blacklist-summary').text(`${parts.join(' · ')}. ${tr(node, 'summary.dropped', 'Empty rows are dropped when you save.')}`);
      // Node-RED validates on change of the property's input.
      list.trigger('change');
    };
    const scheduleRefresh = () => {
      if (building || refreshTimer !== null) return;
      refreshTimer = setTimeout(refresh, 0);
    };

    const addRow = (container: any, _index: number, data: Record<string, unknown>) => {
      container.addClass('lpr-bl-item');
      const line1 = $('<div class="lpr-bl-line"></div>').appendTo(container);
      const line2 = $('<div class="lpr-bl-line"></div>').appendTo(container);
      const input = (field: string, parent: any, placeholder: string, title: string) =>
        $('<input type="text">').addClass(FIELD_CLASS[field] ?? "").attr({ placeholder, title }).val(text(data[field])).appendTo(parent);
      input('plate_number', line1, tr(node, 'row.plate', 'plate (required)'), tr(node, 'row.plateTitle', 'Plate number, 1-32 characters; * = any run of characters, ? = one character (ABC1234, กข 1234, XYZ*)'));
      input('province', line1, tr(node, 'row.province', 'province'), tr(node, 'row.provinceTitle', 'Optional: Thai name, English spelling, abbreviation (กทม) or ISO code (TH-10)'));
      input('country', line1, tr(node, 'row.country', 'country'), tr(node, 'row.countryTitle', 'Optional, e.g. TH'));
      const priority = $('<select>').addClass(FIELD_CLASS.priority ?? "").attr('title', tr(node, 'row.priorityTitle', 'Optional priority of an alert for this plate')).appendTo(line1);
      $('<option value=""></option>').text(tr(node, 'row.noPriority', 'no priority')).appendTo(priority);
      for (const p of BLACKLIST_PRIORITIES) $('<option>').val(p).text(p).appendTo(priority);
      const current = text(data.priority);
      // A value from an imported flow that is no priority is shown (and flagged), not silently dropped.
      if (current !== '' && !(BLACKLIST_PRIORITIES as readonly string[]).includes(current)) $('<option>').val(current).text(current).appendTo(priority);
      priority.val(current);
      input('reason', line2, tr(node, 'row.reason', 'reason'), tr(node, 'row.reasonTitle', 'Optional: why the plate is listed, e.g. stolen'));
      input('list', line2, tr(node, 'row.list', 'list'), tr(node, 'row.listTitle', 'Optional: the name of the list it belongs to (an entry is identified by plate + province + list)'));
      input(
        'expires_at',
        line2,
        tr(node, 'row.expires', `expires at, e.g. ${exampleExpiry()}`, { example: exampleExpiry() }),
        tr(node, 'row.expiresTitle', "Optional ISO 8601 date-time; without a zone it is read in the broker's time zone (UTC without a broker); after it the entry stops matching"),
      );
      $('<div class="lpr-bl-row-message"></div>').appendTo(container);
      container.on('input change', 'input, select', function (this: any, event: any) {
        if (event.type === 'change' && $(this).hasClass(FIELD_CLASS.expires_at!)) {
          const iso = looseDateTimeToIso($(this).val());
          if (iso !== null && iso !== $(this).val()) $(this).val(iso);
        }
        if (!building) refresh();
      });
      scheduleRefresh();
    };

    list.css('min-height', '150px').editableList({
      addButton: tr(node, 'button.entry', 'entry'),
      addItem: addRow,
      removable: true,
      sortable: true,
      scrollOnAdd: true,
      removeItem: () => refresh(),
      sortItems: () => refresh(),
      buttons: [
        {
          label: tr(node, 'button.import', 'import CSV'),
          icon: 'fa fa-upload',
          title: tr(node, 'button.importTitle', 'Add rows from CSV text or a CSV file'),
          click: () => {
            $('#lpr-blacklist-export').hide();
            $('#lpr-blacklist-import').toggle();
            $('#lpr-blacklist-import-result').text('').removeClass('lpr-bl-error');
          },
        },
        {
          label: tr(node, 'button.export', 'export CSV'),
          icon: 'fa fa-download',
          title: tr(node, 'button.exportTitle', 'Show these entries as CSV, to copy or download'),
          click: () => {
            $('#lpr-blacklist-import').hide();
            const csv = blacklistCsv(collect(true));
            $('#lpr-blacklist-export-text').val(csv);
            if (downloadUrl !== null) URL.revokeObjectURL(downloadUrl);
            // A BOM so spreadsheet programs read the Thai text as UTF-8.
            downloadUrl = URL.createObjectURL(new Blob(['\ufeff' + csv], { type: 'text/csv;charset=utf-8' }));
            const name = String($('#node-config-input-name').val() || 'blacklist').replace(/[^\p{L}\p{N}_.-]+/gu, '-');
            $('#lpr-blacklist-export-download').attr({ href: downloadUrl, download: `${name}.csv` });
            $('#lpr-blacklist-export').show();
          },
        },
      ],
    });
    const entries = Array.isArray(node.entries) ? node.entries : [];
    for (const entry of entries) {
      list.editableList('addItem', entry && typeof entry === 'object' && !Array.isArray(entry) ? { ...entry } : { plate_number: text(entry) });
    }
    building = false;

    // Import: CSV text (pasted or read from a file) appended as rows, all or nothing.
    $('#lpr-blacklist-import-file').on('change', function (this: any) {
      const file = this.files && this.files[0];
      const result = $('#lpr-blacklist-import-result').removeClass('lpr-bl-error').text('');
      if (!file) return;
      if (file.size > MAX_IMPORT_BYTES) {
        const mb = MAX_IMPORT_BYTES / 1024 / 1024;
        result
          .addClass('lpr-bl-error')
          .text(tr(node, 'import.tooLarge', `${file.name} is over ${mb} MB: import a list that large with a blacklist update node (action import) instead.`, { file: file.name, mb }));
        return;
      }
      const reader = new FileReader();
      reader.onload = () => {
        $('#lpr-blacklist-import-text').val(String(reader.result ?? ''));
        result.text(tr(node, 'import.read', `Read ${file.name}: press Add rows.`, { file: file.name }));
      };
      reader.onerror = () => result.addClass('lpr-bl-error').text(tr(node, 'import.readFailed', `Could not read ${file.name}.`, { file: file.name }));
      reader.readAsText(file, 'utf-8');
    });
    $('#lpr-blacklist-import-add').on('click', (event: any) => {
      event.preventDefault();
      const result = $('#lpr-blacklist-import-result').removeClass('lpr-bl-error').text('');
      const { entries: parsed, problems } = parseBlacklistCsv(String($('#lpr-blacklist-import-text').val() ?? ''));
      if (problems.length > 0) {
        const shown = problems.slice(0, 10).join('\n');
        const more = problems.length > 10 ? `\n${tr(node, 'import.more', `... and ${problems.length - 10} more`, { count: problems.length - 10 })}` : '';
        result.addClass('lpr-bl-error').text(`${tr(node, 'import.fixFirst', 'Nothing added, fix the CSV first:')}\n${shown}${more}`);
        return;
      }
      if (parsed.length === 0) {
        result.addClass('lpr-bl-error').text(tr(node, 'import.noRows', 'Nothing added: the CSV has a header line but no rows.'));
        return;
      }
      building = true;
      for (const entry of parsed) list.editableList('addItem', entry);
      building = false;
      refresh();
      $('#lpr-blacklist-import-text').val('');
      $('#lpr-blacklist-import-file').val('');
      result.text(
        tr(node, parsed.length === 1 ? 'import.addedOne' : 'import.addedMany', `Added ${parsed.length} ${parsed.length === 1 ? 'row' : 'rows'} at the end of the list.`, {
          count: parsed.length,
        }),
      );
    });
    $('#lpr-blacklist-import-close').on('click', (event: any) => {
      event.preventDefault();
      $('#lpr-blacklist-import').hide();
    });
    $('#lpr-blacklist-export-close').on('click', (event: any) => {
      event.preventDefault();
      $('#lpr-blacklist-export').hide();
    });

    $('#lpr-blacklist-filter').on('input change', function (this: any) {
      const wanted = String($(this).val() ?? '')
        .trim()
        .toLowerCase();
      for (const row of items()) {
        const values = row
          .find('input, select')
          .map(function (this: any) {
            return String($(this).val() ?? '');
          })
          .get()
          .join(' ')
          .toLowerCase();
        row.parent().toggle(wanted === '' || values.includes(wanted));
      }
    });

    const brokerRoot = (): string | null => {
      const broker = selectedBroker(node, PREFIX);
      return broker ? str(broker.topicRoot) || 'lprserver' : null;
    };
    const showSync = () => {
      const root = brokerRoot();
      $('#lpr-blacklist-broker-hint').text(
        root === null
          ? tr(node, 'hint.noBroker', 'None: the list is local to this Node-RED (flows can still change it with a blacklist update node).')
          : tr(
              node,
              'hint.broker',
              `Receives and publishes BlacklistUpdates on ${root}/blacklist/updates (QoS 1); match nodes publish notifications on ${root}/blacklist/notifications.`,
              { root },
            ),
      );
      $('#lpr-blacklist-row-answerRequests').toggle(root !== null);
      const answer = isTrue(currentValue(node, 'answerRequests', PREFIX));
      $('#lpr-blacklist-row-requestLimit').toggle(root !== null && answer);
      $('#lpr-blacklist-row-snapshotKiB').toggle(root !== null);
      $('#lpr-blacklist-request-hint')
        .text(
          root !== null && answer
            ? tr(
                node,
                'hint.requests',
                `A request on ${root}/blacklist/request naming camera_id is answered to that camera alone, with every entry as a snapshot (chunks) on ${root}/cameras/<camera_id>/blacklist (requests within 1 s merged; over the limit dropped, with a warning and an alert).`,
                { root },
              )
            : '',
        )
        .toggle(root !== null && answer);
    };
    const showFile = () => {
      const persist = isTrue(currentValue(node, 'persist', PREFIX));
      $('#lpr-blacklist-row-file').toggle(persist);
      const file = String(currentValue(node, 'file', PREFIX) ?? '').trim();
      let where: string;
      if (file === '') where = `<user dir>/lpr-blacklist/${node.id}.ndjson`;
      else if (/^(?:[\\/]|[A-Za-z]:[\\/])/.test(file)) where = file;
      else where = `<user dir>/${file}`;
      $('#lpr-blacklist-file-hint')
        .text(
          persist
            ? tr(node, 'hint.saved', `Entries from MQTT and flows are saved to ${where} (one JSON entry per line).`, { where })
            : tr(node, 'hint.memory', 'Entries from MQTT and flows are kept in memory only: a restart or redeploy forgets them.'),
        )
        .show();
    };

    $('#node-config-input-broker, #node-config-input-answerRequests').on('change', showSync);
    $('#node-config-input-persist').on('change', showFile);
    $('#node-config-input-file').on('change keyup paste', showFile);

    refresh();
    showSync();
    showFile();
  },
  oneditsave: function (this: any) {
    const entries: Array<Record<string, unknown>> = [];
    $(LIST)
      .editableList('items')
      .each(function (_i: number, row: any) {
        const entry = rowEntry($(row), true);
        if (entry !== null) entries.push(entry);
      });
    this.entries = entries;
    // What Node-RED reads back from the list with .val() after this (see the comment at the top).
    ($(LIST)[0] as any).value = entries;
    const href = $('#lpr-blacklist-export-download').attr('href');
    if (typeof href === 'string' && href.startsWith('blob:')) URL.revokeObjectURL(href);
  },
  oneditcancel: function () {
    const href = $('#lpr-blacklist-export-download').attr('href');
    if (typeof href === 'string' && href.startsWith('blob:')) URL.revokeObjectURL(href);
  },
  oneditresize: function (size: { height: number }) {
    const list = $(LIST);
    const form = list.closest('form');
    let height = size.height;
    form.children('div').each(function (this: any) {
      const row = $(this);
      if (!row.hasClass('lpr-bl-entries-row') && row.is(':visible')) height -= row.outerHeight(true) ?? 0;
    });
    const row = form.children('.lpr-bl-entries-row');
    height -= (parseInt(row.css('marginTop'), 10) || 0) + (parseInt(row.css('marginBottom'), 10) || 0);
    list.editableList('height', Math.max(220, height));
  },
});

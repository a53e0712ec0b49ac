/* The emulator's optional compiled fast path: runs of SGR, CUP, EL and ECH sequences with text,
 * as full-screen programs and coloured output paint with them.
 *
 * `scan_run` finds such a run and `draw_groups` applies its groups to a `TerminalScreen`, the
 * same as `TerminalScreen.draw_sequences` would (see there and `sequence_runs.py`), for every
 * group whose parts are all plain: its SGRs a remembered step between `AttrState`s, its CUP
 * one or two numbers, its text printable ASCII that fits, its EL or ECH a part of one row. It
 * stops at the first group that is not, before changing anything, and the Python side applies
 * that one group and calls again. `line_spans` and `cut_spans` lay out and wrap the lines of
 * coloured floods. Everything here is also done by the Python path, which is used when this
 * module is not built, and the tests hold the two to the same screens.
 */

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#ifndef SOURCE_DIGEST
#define SOURCE_DIGEST ""
#endif

/* The fast-path regexes' bound on a sequence's parameter text. */
#define MAX_PARAMETER_TEXT 128

static PyObject *name_moves, *name_attrs, *name_erase, *name_patches, *name_x, *name_y,
    *name_last_char, *name_wrapped, *name_dict;

typedef struct {
    int kind;
    const void *data;
    Py_ssize_t length;
} Text;

#define AT(text, index) PyUnicode_READ((text)->kind, (text)->data, (index))

/* pyte's plain text: anything but the controls it dispatches (`pyte.Stream._text_pattern`). */
static inline int
is_text(Py_UCS4 c)
{
    switch (c) {
    case 0x00: case 0x07: case 0x08: case 0x09: case 0x0a: case 0x0b: case 0x0c: case 0x0d:
    case 0x0e: case 0x0f: case 0x1b: case 0x7f: case 0x9b: case 0x9d:
        return 0;
    default:
        return 1;
    }
}

static inline Py_ssize_t
skip_text(const Text *text, Py_ssize_t at, Py_ssize_t end)
{
    while (at < end && is_text(AT(text, at)))
        at++;
    return at;
}

/* `ESC [ <0-9;>{0,128} <final>` at `at`: the index after it, with its final in `*final`;
 * -1 if there is none (or it is cut off by `end`). */
static Py_ssize_t
scan_csi(const Text *text, Py_ssize_t at, Py_ssize_t end, Py_UCS4 *final)
{
    if (at + 2 >= end || AT(text, at) != 0x1b || AT(text, at + 1) != '[')
        return -1;
    Py_ssize_t p = at + 2;
    Py_ssize_t limit = p + MAX_PARAMETER_TEXT;
    while (p < end) {
        Py_UCS4 c = AT(text, p);
        if (!((c >= '0' && c <= '9') || c == ';'))
            break;
        if (p == limit)
            return -1;
        p++;
    }
    if (p >= end)
        return -1;
    *final = AT(text, p);
    return p + 1;
}

static inline int
is_run_final(Py_UCS4 c)
{
    return c == 'm' || c == 'H' || c == 'f' || c == 'K' || c == 'X';
}

/* The SGR sequences from `at` on: the index after the last. */
static Py_ssize_t
skip_sgrs(const Text *text, Py_ssize_t at, Py_ssize_t end)
{
    for (;;) {
        Py_UCS4 final = 0;
        Py_ssize_t next = scan_csi(text, at, end, &final);
        if (next < 0 || final != 'm')
            return at;
        at = next;
    }
}

/* One group of a run, as `sequence_runs.GROUP` cuts it: SGRs, a CUP, SGRs, text, an EL or ECH
 * (each part may be empty), as index ranges into the text. */
typedef struct {
    Py_ssize_t sgr_start, sgr_stop;
    Py_ssize_t cup_start, cup_stop;
    Py_ssize_t more_start, more_stop;
    Py_ssize_t text_start, text_stop;
    Py_ssize_t erase_start, erase_stop; /* the EL or ECH parameter text */
    Py_UCS4 final;                      /* 'K', 'X' or 0 */
    Py_ssize_t stop;
} Group;

static void
scan_group(const Text *text, Py_ssize_t at, Py_ssize_t end, Group *group)
{
    Py_UCS4 final = 0;
    group->sgr_start = at;
    at = group->sgr_stop = skip_sgrs(text, at, end);
    group->cup_start = group->cup_stop = at;
    Py_ssize_t next = scan_csi(text, at, end, &final);
    if (next >= 0 && (final == 'H' || final == 'f'))
        at = group->cup_stop = next;
    group->more_start = at;
    at = group->more_stop = skip_sgrs(text, at, end);
    group->text_start = at;
    at = group->text_stop = skip_text(text, at, end);
    group->final = 0;
    group->erase_start = group->erase_stop = at;
    next = scan_csi(text, at, end, &final);
    if (next >= 0 && (final == 'K' || final == 'X')) {
        group->final = final;
        group->erase_start = at + 2;
        group->erase_stop = next - 1;
        at = next;
    }
    group->stop = at;
}

static int
text_of(PyObject *string, Text *text)
{
    if (!PyUnicode_Check(string)) {
        PyErr_SetString(PyExc_TypeError, "a str is required");
        return -1;
    }
    text->kind = PyUnicode_KIND(string);
    text->data = PyUnicode_DATA(string);
    text->length = PyUnicode_GET_LENGTH(string);
    return 0;
}

PyDoc_STRVAR(scan_run_doc,
"scan_run(data, offset) -> int\n\n"
"Where the run of two or more SGR/CUP/EL/ECH sequences (each followed by plain text) at\n"
"`offset` ends, or 0 if there is none there (`sequence_runs.RUN`).");

static PyObject *
scan_run(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    Text text;
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "scan_run(data, offset)");
        return NULL;
    }
    if (text_of(args[0], &text) < 0)
        return NULL;
    Py_ssize_t at = PyLong_AsSsize_t(args[1]);
    if (at == -1 && PyErr_Occurred())
        return NULL;
    if (at < 0)
        at = 0;
    int sequences = 0;
    for (;;) {
        Py_UCS4 final = 0;
        Py_ssize_t next = scan_csi(&text, at, text.length, &final);
        if (next < 0 || !is_run_final(final))
            break;
        at = skip_text(&text, next, text.length);
        sequences++;
    }
    return PyLong_FromSsize_t(sequences >= 2 ? at : 0);
}

/* The patches list of row `y` with room for one more, made a `PatchRow` by `patch_row` when it
 * is not one or is full (new references to the row and its list in `*row`, `*patches`). */
static int
patches_of(PyObject *buffer, PyObject *y, PyObject *patch_row_type, PyObject *patch_row,
           Py_ssize_t max_patches, PyObject **row, PyObject **patches)
{
    PyObject *found = PyDict_GetItemWithError(buffer, y);
    if (found == NULL && PyErr_Occurred())
        return -1;
    if (found != NULL && (PyObject *)Py_TYPE(found) == patch_row_type) {
        PyObject *list = PyObject_GetAttr(found, name_patches);
        if (list == NULL)
            return -1;
        if (PyList_Check(list) && PyList_GET_SIZE(list) < max_patches) {
            Py_INCREF(found);
            *row = found;
            *patches = list;
            return 0;
        }
        Py_DECREF(list);
    }
    PyObject *made = PyObject_CallFunctionObjArgs(patch_row, buffer, y, NULL);
    if (made == NULL)
        return -1;
    PyObject *list = PyObject_GetAttr(made, name_patches);
    if (list == NULL) {
        Py_DECREF(made);
        return -1;
    }
    if (!PyList_Check(list)) {
        Py_DECREF(made);
        Py_DECREF(list);
        PyErr_SetString(PyExc_TypeError, "patch_row() gave a row without a patches list");
        return -1;
    }
    *row = made;
    *patches = list;
    return 0;
}

/* Append the write (start, stop, text, how) to row `y`; 0, or -1 with an exception set. */
static int
add_patch(PyObject *buffer, Py_ssize_t y, PyObject *patch_row_type, PyObject *patch_row,
          Py_ssize_t max_patches, Py_ssize_t start, Py_ssize_t stop, PyObject *text,
          PyObject *how, int unwrap, PyObject *dirty)
{
    PyObject *key = PyLong_FromSsize_t(y);
    if (key == NULL)
        return -1;
    PyObject *row = NULL, *patches = NULL, *patch = NULL;
    int result = -1;
    if (patches_of(buffer, key, patch_row_type, patch_row, max_patches, &row, &patches) < 0)
        goto done;
    patch = Py_BuildValue("(nnOO)", start, stop, text, how);
    if (patch == NULL || PyList_Append(patches, patch) < 0)
        goto done;
    if (unwrap) {
        /* An erase to the row's end: it no longer continues on the next (`set_wrapped`). */
        PyObject *dict = PyObject_GetAttr(row, name_dict);
        if (dict == NULL)
            goto done;
        int wrapped = PyDict_Check(dict) ? PyDict_Contains(dict, name_wrapped) : 0;
        if (wrapped > 0)
            wrapped = PyDict_SetItem(dict, name_wrapped, Py_False);
        Py_DECREF(dict);
        if (wrapped < 0)
            goto done;
    }
    if (PySet_Add(dirty, key) < 0)
        goto done;
    result = 0;
done:
    Py_DECREF(key);
    Py_XDECREF(row);
    Py_XDECREF(patches);
    Py_XDECREF(patch);
    return result;
}

/* A run of digits (at most 8, as the stream caps them) as pyte reads it, at most 9999; -1 if
 * the text is not only digits. */
static Py_ssize_t
digits_value(const Text *text, Py_ssize_t start, Py_ssize_t stop)
{
    if (stop - start > 8)
        return -1;
    Py_ssize_t value = 0;
    for (Py_ssize_t i = start; i < stop; i++) {
        Py_UCS4 c = AT(text, i);
        if (c < '0' || c > '9')
            return -1;
        value = value * 10 + (Py_ssize_t)(c - '0');
    }
    return value > 9999 ? 9999 : value;
}

static int
is_printable_ascii(const Text *text, Py_ssize_t start, Py_ssize_t stop)
{
    for (Py_ssize_t i = start; i < stop; i++) {
        Py_UCS4 c = AT(text, i);
        if (c < 0x20 || c > 0x7e)
            return 0;
    }
    return 1;
}

/* Where CUP `group.cup_*` moves the cursor, as `TerminalScreen._cursor_position_text` works it
 * out (one or two parameters, each digits; not in origin mode): 0, or -1 if not like that. */
static int
cup_position(const Text *text, const Group *group, int origin, Py_ssize_t lines,
             Py_ssize_t columns, Py_ssize_t *y, Py_ssize_t *x)
{
    if (origin)
        return -1;
    Py_ssize_t start = group->cup_start + 2, stop = group->cup_stop - 1, middle = stop;
    for (Py_ssize_t i = start; i < stop; i++) {
        if (AT(text, i) == ';') {
            middle = i;
            break;
        }
    }
    if (middle == start)
        return -1;
    Py_ssize_t line = digits_value(text, start, middle), column = 1;
    if (line < 0)
        return -1;
    if (middle < stop) {
        if (middle + 1 == stop)
            return -1;
        column = digits_value(text, middle + 1, stop);
        if (column < 0)
            return -1;
    }
    line = line ? line : 1;
    column = column ? column : 1;
    *y = line - 1 < lines - 1 ? line - 1 : lines - 1;
    *x = column - 1 < columns - 1 ? column - 1 : columns - 1;
    return 0;
}

/* The key `state.moves` knows a group's SGRs by: their text, both parts joined. */
static PyObject *
sgr_key(PyObject *data, const Group *group)
{
    Py_ssize_t first = group->sgr_stop - group->sgr_start;
    Py_ssize_t more = group->more_stop - group->more_start;
    if (!more)
        return PyUnicode_Substring(data, group->sgr_start, group->sgr_stop);
    if (!first)
        return PyUnicode_Substring(data, group->more_start, group->more_stop);
    PyObject *head = PyUnicode_Substring(data, group->sgr_start, group->sgr_stop);
    PyObject *tail = head ? PyUnicode_Substring(data, group->more_start, group->more_stop) : NULL;
    PyObject *key = tail ? PyUnicode_Concat(head, tail) : NULL;
    Py_XDECREF(head);
    Py_XDECREF(tail);
    return key;
}

static int
set_size(PyObject *object, PyObject *name, Py_ssize_t value)
{
    PyObject *number = PyLong_FromSsize_t(value);
    if (number == NULL)
        return -1;
    int result = PyObject_SetAttr(object, name, number);
    Py_DECREF(number);
    return result;
}

static int
get_size(PyObject *object, PyObject *name, Py_ssize_t *value)
{
    PyObject *number = PyObject_GetAttr(object, name);
    if (number == NULL)
        return -1;
    *value = PyLong_AsSsize_t(number);
    Py_DECREF(number);
    return (*value == -1 && PyErr_Occurred()) ? -1 : 0;
}

PyDoc_STRVAR(draw_groups_doc,
"draw_groups(screen, data, offset, stop, state, context) -> (offset, state)\n\n"
"Apply the groups of the run `data[offset:stop]` to `screen` from `AttrState` `state`, up to\n"
"the first group that needs the Python path; where that group starts (or `stop`) and the\n"
"state then. `context` is (cursor, buffer, dirty, origin mode, patch_row, PatchRow, columns,\n"
"lines, max_patches), as `TerminalScreen.draw_sequence_run` gives it.");

static PyObject *
draw_groups(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 6 || !PyTuple_Check(args[5]) || PyTuple_GET_SIZE(args[5]) != 9) {
        PyErr_SetString(PyExc_TypeError, "draw_groups(screen, data, offset, stop, state, context)");
        return NULL;
    }
    PyObject *screen = args[0], *data = args[1], *context = args[5];
    Text text;
    if (text_of(data, &text) < 0)
        return NULL;
    Py_ssize_t at = PyLong_AsSsize_t(args[2]);
    if (at == -1 && PyErr_Occurred())
        return NULL;
    Py_ssize_t stop = PyLong_AsSsize_t(args[3]);
    if (stop == -1 && PyErr_Occurred())
        return NULL;
    if (at < 0 || stop > text.length || at > stop) {
        PyErr_SetString(PyExc_ValueError, "offsets out of range");
        return NULL;
    }
    PyObject *cursor = PyTuple_GET_ITEM(context, 0);
    PyObject *buffer = PyTuple_GET_ITEM(context, 1);
    PyObject *dirty = PyTuple_GET_ITEM(context, 2);
    int origin = PyObject_IsTrue(PyTuple_GET_ITEM(context, 3));
    PyObject *patch_row = PyTuple_GET_ITEM(context, 4);
    PyObject *patch_row_type = PyTuple_GET_ITEM(context, 5);
    Py_ssize_t columns = PyLong_AsSsize_t(PyTuple_GET_ITEM(context, 6));
    Py_ssize_t lines = PyLong_AsSsize_t(PyTuple_GET_ITEM(context, 7));
    Py_ssize_t max_patches = PyLong_AsSsize_t(PyTuple_GET_ITEM(context, 8));
    if (origin < 0 || PyErr_Occurred())
        return NULL;
    if (!PyDict_Check(buffer) || !PyAnySet_Check(dirty) || columns < 1 || lines < 1) {
        PyErr_SetString(PyExc_TypeError, "buffer must be a dict, dirty a set");
        return NULL;
    }

    Py_ssize_t x, y;
    if (get_size(cursor, name_x, &x) < 0 || get_size(cursor, name_y, &y) < 0)
        return NULL;
    PyObject *state = Py_NewRef(args[4]);
    PyObject *moves = PyObject_GetAttr(state, name_moves);
    if (moves == NULL) {
        Py_DECREF(state);
        return NULL;
    }
    int moved = 0;                /* some SGR changed the state: the cursor takes its attrs */
    Py_ssize_t last_text = -1;    /* where the last text drawn ends */
    int failed = 0;

    while (at < stop) {
        Group group;
        scan_group(&text, at, stop, &group);
        if (group.stop == at)
            break;

        /* Decide, changing nothing: any part not known goes to the Python path. */
        PyObject *next_state = NULL;
        if (group.sgr_stop > group.sgr_start || group.more_stop > group.more_start) {
            if (!PyDict_Check(moves))
                break;
            PyObject *key = sgr_key(data, &group);
            if (key == NULL) {
                failed = 1;
                break;
            }
            next_state = PyDict_GetItemWithError(moves, key);
            Py_DECREF(key);
            if (next_state == NULL) {
                failed = PyErr_Occurred() != NULL;
                break;
            }
            Py_INCREF(next_state);
        }
        Py_ssize_t group_x = x, group_y = y;
        if (group.cup_stop > group.cup_start
            && cup_position(&text, &group, origin, lines, columns, &group_y, &group_x) < 0) {
            Py_XDECREF(next_state);
            break; /* origin mode, more parameters, an empty one: `cursor_position` */
        }
        Py_ssize_t length = group.text_stop - group.text_start;
        if (length && !(group_x + length <= columns
                        && is_printable_ascii(&text, group.text_start, group.text_stop))) {
            Py_XDECREF(next_state);
            break;
        }
        Py_ssize_t after_x = group_x + length, erase_start = 0, erase_stop = 0;
        if (group.final == 'K') {
            Py_ssize_t how = digits_value(&text, group.erase_start, group.erase_stop);
            Py_ssize_t size = group.erase_stop - group.erase_start;
            if (how == 0 && size <= 1) {
                erase_start = after_x;
                erase_stop = columns;
            } else if (how == 1 && size == 1) {
                erase_start = 0;
                erase_stop = after_x + 1;
            }
            if (!(0 < erase_stop - erase_start && erase_stop - erase_start < columns)) {
                Py_XDECREF(next_state);
                break; /* a whole row or an unusual EL: `erase_in_line` */
            }
        } else if (group.final == 'X') {
            Py_ssize_t count = digits_value(&text, group.erase_start, group.erase_stop);
            if (count < 0) {
                Py_XDECREF(next_state);
                break;
            }
            erase_start = after_x;
            erase_stop = after_x + (count ? count : 1);
            if (erase_stop > columns)
                erase_stop = columns;
        }

        /* Apply. */
        if (next_state != NULL) {
            Py_SETREF(state, next_state);
            PyObject *next_moves = PyObject_GetAttr(state, name_moves);
            if (next_moves == NULL) {
                failed = 1;
                break;
            }
            Py_SETREF(moves, next_moves);
            moved = 1;
        }
        x = group_x;
        y = group_y;
        if (length) {
            PyObject *written = PyUnicode_Substring(data, group.text_start, group.text_stop);
            int result = written == NULL
                ? -1
                : add_patch(buffer, y, patch_row_type, patch_row, max_patches, x, after_x,
                            written, state, 0, dirty);
            Py_XDECREF(written);
            if (result < 0) {
                failed = 1;
                break;
            }
            x = after_x;
            last_text = group.text_stop;
        }
        if (group.final) {
            PyObject *blank = PyObject_GetAttr(state, name_erase);
            int result = blank == NULL
                ? -1
                : add_patch(buffer, y, patch_row_type, patch_row, max_patches, erase_start,
                            erase_stop, Py_None, blank,
                            group.final == 'K' && erase_stop == columns, dirty);
            Py_XDECREF(blank);
            if (result < 0) {
                failed = 1;
                break;
            }
        }
        at = group.stop;
    }

    /* The cursor and screen as the groups applied leave them, also when one failed. */
#if PY_VERSION_HEX >= 0x030C0000
    PyObject *error = failed ? PyErr_GetRaisedException() : NULL;
#else
    PyObject *error_type = NULL, *error_value = NULL, *error_traceback = NULL;
    if (failed)
        PyErr_Fetch(&error_type, &error_value, &error_traceback);
#endif
    int unsaved = set_size(cursor, name_x, x) < 0 || set_size(cursor, name_y, y) < 0;
    if (!unsaved && moved) {
        PyObject *attrs = PyObject_GetAttr(state, name_attrs);
        unsaved = attrs == NULL || PyObject_SetAttr(cursor, name_attrs, attrs) < 0;
        Py_XDECREF(attrs);
    }
    if (!unsaved && last_text > 0) {
        PyObject *last = PyUnicode_Substring(data, last_text - 1, last_text);
        unsaved = last == NULL || PyObject_SetAttr(screen, name_last_char, last) < 0;
        Py_XDECREF(last);
    }
    Py_DECREF(moves);
    if (failed) {
        if (unsaved)
            PyErr_Clear(); /* the first error is the one to report */
#if PY_VERSION_HEX >= 0x030C0000
        PyErr_SetRaisedException(error);
#else
        PyErr_Restore(error_type, error_value, error_traceback);
#endif
        Py_DECREF(state);
        return NULL;
    }
    if (unsaved) {
        Py_DECREF(state);
        return NULL;
    }
    return Py_BuildValue("(nN)", at, state);
}

PyDoc_STRVAR(line_spans_doc,
"line_spans(line, state, cell_text) -> (spans, width, last, state) | None\n\n"
"One line of text and SGR sequences laid out from `AttrState` `state` as\n"
"`TerminalScreen._line_spans` lays it out (flat spans: cell text, attributes, ...; its width\n"
"in cells; its last text; the state it ends in), when each SGR is a remembered step; text\n"
"that is not ASCII goes through `cell_text`. None (nothing changed) when an SGR is not\n"
"remembered or a zero-width character would join a cell of another run.");

static PyObject *
line_spans(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 3) {
        PyErr_SetString(PyExc_TypeError, "line_spans(line, state, cell_text)");
        return NULL;
    }
    PyObject *line = args[0], *cell_text = args[2];
    Text text;
    if (text_of(line, &text) < 0)
        return NULL;
    PyObject *state = Py_NewRef(args[1]);
    PyObject *attrs = PyObject_GetAttr(state, name_attrs);
    PyObject *spans = attrs ? PyList_New(0) : NULL;
    PyObject *last = NULL;
    Py_ssize_t width = 0, at = 0;
    int known = 1;
    if (spans == NULL)
        goto error;
    while (at < text.length) {
        Py_UCS4 final = 0;
        Py_ssize_t next = scan_csi(&text, at, text.length, &final);
        if (next >= 0) {
            if (final != 'm') {
                known = 0;
                break;
            }
            PyObject *moves = PyObject_GetAttr(state, name_moves);
            if (moves == NULL)
                goto error;
            PyObject *key =
                PyDict_Check(moves) ? PyUnicode_Substring(line, at + 2, next - 1) : NULL;
            PyObject *following = key ? PyDict_GetItemWithError(moves, key) : NULL;
            Py_XDECREF(key);
            Py_XINCREF(following);
            Py_DECREF(moves);
            if (following == NULL) {
                if (PyErr_Occurred())
                    goto error;
                known = 0;
                break;
            }
            Py_SETREF(state, following);
            PyObject *following_attrs = PyObject_GetAttr(state, name_attrs);
            if (following_attrs == NULL)
                goto error;
            Py_SETREF(attrs, following_attrs);
            at = next;
            continue;
        }
        Py_ssize_t stop = at;
        int ascii = 1;
        while (stop < text.length) {
            Py_UCS4 c = AT(&text, stop);
            if (c == 0x1b)
                break;
            if (c >= 0x80)
                ascii = 0;
            stop++;
        }
        if (stop == at) { /* an ESC that does not start an SGR */
            known = 0;
            break;
        }
        PyObject *part = PyUnicode_Substring(line, at, stop);
        if (part == NULL)
            goto error;
        Py_XSETREF(last, Py_NewRef(part));
        Py_ssize_t size = stop - at;
        at = stop;
        PyObject *cells = part;
        if (!ascii) {
            /* (zero-width characters before the first cell, the cells) */
            PyObject *laid_out = PyObject_CallOneArg(cell_text, part);
            Py_DECREF(part);
            if (laid_out == NULL)
                goto error;
            if (!PyTuple_Check(laid_out) || PyTuple_GET_SIZE(laid_out) != 2) {
                Py_DECREF(laid_out);
                PyErr_SetString(PyExc_TypeError, "cell_text() must give (lead, cells)");
                goto error;
            }
            int lead = PyObject_IsTrue(PyTuple_GET_ITEM(laid_out, 0));
            cells = Py_NewRef(PyTuple_GET_ITEM(laid_out, 1));
            Py_DECREF(laid_out);
            Py_ssize_t count = lead ? 0 : PyObject_Length(cells);
            if (lead != 0 || count <= 0) {
                Py_DECREF(cells);
                if (lead < 0 || count < 0)
                    goto error;
                if (lead) {
                    known = 0; /* it would join a cell of the run before */
                    break;
                }
                continue; /* nothing printable */
            }
            width += count;
        } else {
            width += size;
        }
        int appended = PyList_Append(spans, cells) < 0 || PyList_Append(spans, attrs) < 0;
        Py_DECREF(cells);
        if (appended)
            goto error;
    }
    Py_DECREF(attrs);
    if (!known) {
        Py_DECREF(spans);
        Py_DECREF(state);
        Py_XDECREF(last);
        Py_RETURN_NONE;
    }
    if (last == NULL)
        last = PyUnicode_FromString("");
    if (last == NULL) {
        Py_DECREF(spans);
        Py_DECREF(state);
        return NULL;
    }
    return Py_BuildValue("(NnNN)", spans, width, last, state);
error:
    Py_XDECREF(attrs);
    Py_XDECREF(spans);
    Py_XDECREF(last);
    Py_DECREF(state);
    return NULL;
}

/* Append (spans, blank, wrapped) to `rows`; 0, or -1 with an exception set. */
static int
add_cut_row(PyObject *rows, PyObject *spans, PyObject *blank, PyObject *wrapped)
{
    PyObject *row = PyTuple_Pack(3, spans, blank, wrapped);
    if (row == NULL)
        return -1;
    int result = PyList_Append(rows, row);
    Py_DECREF(row);
    return result;
}

/* Close the row being filled (wrap mark `wrapped`) and start the next, blank in
 * `erase_for(attrs)`: 0, or -1 with an exception set. */
static int
next_cut_row(PyObject *rows, PyObject **current, PyObject **erase, PyObject *wrapped,
             PyObject *erase_for, PyObject *attrs)
{
    if (add_cut_row(rows, *current, *erase, wrapped) < 0)
        return -1;
    Py_SETREF(*current, PyList_New(0));
    if (*current == NULL)
        return -1;
    Py_SETREF(*erase, PyObject_CallOneArg(erase_for, attrs));
    return *erase == NULL ? -1 : 0;
}

PyDoc_STRVAR(cut_spans_doc,
"cut_spans(spans, columns, erase, erase_for, short, stub) -> list\n\n"
"`TerminalScreen._cut_spans`: a line's flat spans cut into rows of at most `columns` cells,\n"
"each (spans, blank cell, wrap mark); a wide character (its `stub` after it) that does not\n"
"fit wraps whole and leaves its row `short`; a row a wrap brings in is blank in\n"
"`erase_for(attributes)` of the run it wraps in. `columns` is at least 2 where a wide\n"
"character may appear.");

static PyObject *
cut_spans(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 6 || !PyList_Check(args[0])) {
        PyErr_SetString(PyExc_TypeError,
                        "cut_spans(spans: list, columns, erase, erase_for, short, stub)");
        return NULL;
    }
    PyObject *spans = args[0], *erase_for = args[3], *short_mark = args[4], *stub = args[5];
    Py_ssize_t columns = PyLong_AsSsize_t(args[1]);
    if (columns == -1 && PyErr_Occurred())
        return NULL;
    if (columns < 1) {
        PyErr_SetString(PyExc_ValueError, "columns must be at least 1");
        return NULL;
    }
    PyObject *rows = PyList_New(0);
    PyObject *current = rows ? PyList_New(0) : NULL;
    PyObject *erase = Py_NewRef(args[2]);
    PyObject *cells = NULL, *attrs = NULL;
    Py_ssize_t room = columns;
    if (current == NULL)
        goto error;
    for (Py_ssize_t index = 0; index + 1 < PyList_GET_SIZE(spans); index += 2) {
        Py_XSETREF(cells, Py_NewRef(PyList_GET_ITEM(spans, index)));
        Py_XSETREF(attrs, Py_NewRef(PyList_GET_ITEM(spans, index + 1)));
        Py_ssize_t count = PyObject_Length(cells);
        if (count < 0)
            goto error;
        while (count > 0) {
            if (room == 0) {
                if (next_cut_row(rows, &current, &erase, Py_True, erase_for, attrs) < 0)
                    goto error;
                room = columns;
            }
            if (count <= room) {
                if (PyList_Append(current, cells) < 0 || PyList_Append(current, attrs) < 0)
                    goto error;
                room -= count;
                break;
            }
            Py_ssize_t cut = room;
            PyObject *at_cut = PySequence_GetItem(cells, cut);
            int is_stub = at_cut ? PyObject_RichCompareBool(at_cut, stub, Py_EQ) : -1;
            Py_XDECREF(at_cut);
            if (is_stub < 0)
                goto error;
            if (is_stub)
                cut -= 1;
            if (cut) {
                PyObject *head = PySequence_GetSlice(cells, 0, cut);
                int appended = head == NULL || PyList_Append(current, head) < 0
                               || PyList_Append(current, attrs) < 0;
                Py_XDECREF(head);
                if (appended)
                    goto error;
                Py_SETREF(cells, PySequence_GetSlice(cells, cut, count));
                if (cells == NULL)
                    goto error;
                count -= cut;
            }
            PyObject *mark = cut == room ? Py_True : short_mark;
            if (next_cut_row(rows, &current, &erase, mark, erase_for, attrs) < 0)
                goto error;
            room = columns;
        }
    }
    if (add_cut_row(rows, current, erase, Py_False) < 0)
        goto error;
    Py_DECREF(current);
    Py_DECREF(erase);
    Py_XDECREF(cells);
    Py_XDECREF(attrs);
    return rows;
error:
    Py_XDECREF(rows);
    Py_XDECREF(current);
    Py_XDECREF(erase);
    Py_XDECREF(cells);
    Py_XDECREF(attrs);
    return NULL;
}

static PyMethodDef methods[] = {
    {"scan_run", (PyCFunction)(void (*)(void))scan_run, METH_FASTCALL, scan_run_doc},
    {"draw_groups", (PyCFunction)(void (*)(void))draw_groups, METH_FASTCALL, draw_groups_doc},
    {"line_spans", (PyCFunction)(void (*)(void))line_spans, METH_FASTCALL, line_spans_doc},
    {"cut_spans", (PyCFunction)(void (*)(void))cut_spans, METH_FASTCALL, cut_spans_doc},
    {NULL, NULL, 0, NULL},
};

static int
speedups_exec(PyObject *module)
{
#define INTERN(variable, text)                              \
    if ((variable = PyUnicode_InternFromString(text)) == NULL) \
        return -1;
    INTERN(name_moves, "moves");
    INTERN(name_attrs, "attrs");
    INTERN(name_erase, "erase");
    INTERN(name_patches, "patches");
    INTERN(name_x, "x");
    INTERN(name_y, "y");
    INTERN(name_last_char, "_last_char");
    INTERN(name_wrapped, "wrapped");
    INTERN(name_dict, "__dict__");
#undef INTERN
    return PyModule_AddStringConstant(module, "SOURCE_DIGEST", SOURCE_DIGEST);
}

static PyModuleDef_Slot slots[] = {
    {Py_mod_exec, speedups_exec},
    {0, NULL},
};

static struct PyModuleDef speedups_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "aisession_tui.terminal._speedups",
    .m_doc = "The emulator's optional compiled fast path (see sequence_runs.py).",
    .m_size = 0,
    .m_methods = methods,
    .m_slots = slots,
};

PyMODINIT_FUNC
PyInit__speedups(void)
{
    return PyModuleDef_Init(&speedups_module);
}

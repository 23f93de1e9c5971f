"""Declared state: mutable structures that compiled rules and Python share.

Each part of the model declares its fields once (name and numba type); from
that declaration this module makes a numba StructRef type, which compiled
rules read and write by attribute (`cells.members[i]`, `syria.free_fighters`),
and a Python class with the same attributes, so tests, viewers and the
branching of runs read and set the same memory. A struct is passed by
reference: a rule that replaces an array (a cell table that grows) replaces it
for every holder.

Building a struct, and reading or setting a field, from Python goes through
small compiled functions. They are written once into a module of their own in
the compiled-code folder (sim/model/__init__.py) and cached on disk like the
rules, so a new process does not compile them again.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

import numba
import numpy as np
from numba import njit, types
from numba.experimental import structref

# Field types used across the parts, named for what they hold.
INT = types.int64
FLOAT = types.float64
BOOL = types.boolean
INTS = types.int64[::1]
FLOATS = types.float64[::1]
FLAGS = types.boolean[::1]
FLOAT_TABLE = types.float64[:, ::1]      # one row per regime (or per post, per area)
INT_TABLE = types.int64[:, ::1]
GENERATOR = types.NumPyRandomGeneratorType("NumPyRandomGeneratorType")

_DECLARED: dict[str, type] = {}          # every struct class by name, in declaration order
_ACCESSORS: list = []                    # the loaded module of constructors and accessors


def kernel(function):
    """Compile a rule: cached on disk, and numpy's arithmetic (a division by zero gives inf, as in numpy).

    No fast-math: the same seed gives the same numbers bit for bit.
    """
    return njit(cache=True, error_model="numpy")(function)


def records(dtype: np.dtype) -> types.Array:
    """The numba type of a 1-d array of records of `dtype` (one row per regime)."""
    from numba.np.numpy_support import from_dtype

    return types.Array(from_dtype(dtype), 1, "C")


def _accessors():
    """The compiled constructors and field accessors of every declared struct (generated and loaded once)."""
    if not _ACCESSORS:
        import sim.model.world  # noqa: F401 (every part declares its struct on import)

        lines = ["from numba import njit"]
        for name, cls in _DECLARED.items():
            fields = ", ".join(cls.fields)
            lines += [f"from {cls.__module__} import {name}",
                      f"@njit(cache=True)\ndef new_{name}({fields}):\n    return {name}({fields})",
                      f"@njit(cache=True)\ndef copy_{name}(s):\n    return {name}("
                      + ", ".join(_copied(field, kind) for field, kind in cls.field_types.items()) + ")"]
            for field in cls.fields:
                lines += [f"@njit(cache=True)\ndef get_{name}_{field}(s):\n    return s.{field}",
                          f"@njit(cache=True)\ndef set_{name}_{field}(s, v):\n    s.{field} = v"]
        source = "\n".join(lines) + "\n"
        path = Path(numba.config.CACHE_DIR) / "structs.py"
        if not path.exists() or path.read_text() != source:
            tmp = path.with_name(f".structs.py.tmp-{os.getpid()}")
            tmp.write_text(source)
            os.replace(tmp, path)
        spec = importlib.util.spec_from_file_location("sim_model_structs", path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module
        spec.loader.exec_module(module)
        _ACCESSORS.append(module)
    return _ACCESSORS[0]


def _copied(field: str, kind: types.Type) -> str:
    """The expression that copies one field in a compiled deep copy: arrays and structs are copied, generators
    are shared (numba cannot copy one; `copy_struct`'s caller replaces them)."""
    if isinstance(kind, types.Array):
        return f"s.{field}.copy()"
    if isinstance(kind, types.StructRef):
        return f"copy_{_name_of(kind)}(s.{field})"
    return f"s.{field}"


def _name_of(kind: types.StructRef) -> str:
    return next(name for name, cls in _DECLARED.items() if cls.numba_type == kind)


def copy_struct(struct):
    """A deep copy of a struct, made by compiled code: arrays and nested structs copied, random generators
    shared with the original (replace them before the copy draws)."""
    return getattr(_accessors(), f"copy_{type(struct).__name__}")(struct)


def _property(type_name: str, field: str) -> property:
    def fget(self):
        return getattr(_accessors(), f"get_{type_name}_{field}")(self)

    def fset(self, value):
        getattr(_accessors(), f"set_{type_name}_{field}")(self, value)

    return property(fget, fset, doc=f"the struct's '{field}' field")


def _new(cls, *values):
    return getattr(_accessors(), f"new_{cls.__name__}")(*values)


def declare(name: str, module: str, fields: dict[str, types.Type]) -> tuple[type, type]:
    """A StructRef type and its Python class for `fields`, defined as if written in `module`.

    The caller binds both to module-level names `<name>Type` and `<name>`, so that compiled
    functions taking the struct can be cached on disk (the cache finds types by module and name).
    """
    struct_type = type(f"{name}Type", (types.StructRef,), {
        "__module__": module,
        "preprocess_fields": lambda self, fs: tuple((n, types.unliteral(t)) for n, t in fs),
    })
    struct_type = structref.register(struct_type)
    namespace = {
        "__module__": module,
        "__doc__": f"{name}: fields {', '.join(fields)} (see {module}).",
        "fields": tuple(fields),
        "field_types": dict(fields),
        "__new__": staticmethod(_new),
    }
    namespace.update({f: _property(name, f) for f in fields})
    proxy = type(name, (structref.StructRefProxy,), namespace)
    structref.define_proxy(proxy, struct_type, list(fields))
    proxy.numba_type = struct_type(list(fields.items()))
    _DECLARED[name] = proxy
    return struct_type, proxy


def build(cls: type, values: dict):
    """A struct of class `cls` from a mapping of every field to its value, checked by name."""
    missing, extra = set(cls.fields) - set(values), set(values) - set(cls.fields)
    if missing or extra:
        raise ValueError(f"{cls.__name__}: missing fields {sorted(missing)}, unknown fields {sorted(extra)}")
    return cls(*(values[f] for f in cls.fields))


def values_of(struct) -> dict:
    """Every field of a struct, by name (arrays are the struct's own, not copies)."""
    return {f: getattr(struct, f) for f in type(struct).fields}


def copy_value(value):
    """A deep copy of one field's value: arrays and generators copied, structs copied field by field."""
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, np.random.Generator):
        twin = np.random.Generator(type(value.bit_generator)())
        twin.bit_generator.state = value.bit_generator.state
        return twin
    if isinstance(value, structref.StructRefProxy):
        return build(type(value), {f: copy_value(v) for f, v in values_of(value).items()})
    return value

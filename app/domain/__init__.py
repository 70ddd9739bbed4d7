"""The scoring domain: schemes, rules and the engine. Standard library only.

Nothing here imports a web framework, an ORM or a validation library; the API and the CLI call in.
"""

from app.domain.document import parse_document
from app.domain.facts import Facts, RegistryItem
from app.domain.loader import builtin_scheme, builtin_schemes, load_scheme
from app.domain.problems import DomainError, InvalidInput, Problem, SchemeInvalid, SchemeNotFound
from app.domain.scheme import Scheme
from app.domain.scoring import Breakdown, score

__all__ = [
    "Breakdown",
    "DomainError",
    "Facts",
    "InvalidInput",
    "Problem",
    "RegistryItem",
    "Scheme",
    "SchemeInvalid",
    "SchemeNotFound",
    "builtin_scheme",
    "builtin_schemes",
    "load_scheme",
    "parse_document",
    "score",
]

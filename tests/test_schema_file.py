"""The committed schema.graphql is what the code serves, and every part of it is described."""

from __future__ import annotations

from enum import Enum
from pathlib import Path

import strawberry
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    specified_scalar_types,
)

from jobgraph.graphql.schema import build_schema, schema_sdl

SCHEMA_FILE = Path(__file__).resolve().parent.parent / "schema.graphql"


def test_committed_schema_matches_the_code() -> None:
    assert SCHEMA_FILE.read_text(encoding="utf-8") == schema_sdl(), (
        "schema.graphql is stale: run `make schema` and commit it"
    )


def undescribed(schema: GraphQLSchema) -> list[str]:
    """Every type, field, argument, input field and enum value without a description
    (GraphQL's own introspection types and built-in scalars aside)."""
    missing: list[str] = []
    for name, kind in schema.type_map.items():
        if name.startswith("__") or name in specified_scalar_types:
            continue
        if not kind.description:
            missing.append(name)
        if isinstance(kind, GraphQLObjectType | GraphQLInterfaceType):
            for field_name, field in kind.fields.items():
                if not field.description:
                    missing.append(f"{name}.{field_name}")
                missing += [
                    f"{name}.{field_name}({argument_name})"
                    for argument_name, argument in field.args.items()
                    if not argument.description
                ]
        elif isinstance(kind, GraphQLInputObjectType):
            missing += [
                f"{name}.{field_name}"
                for field_name, field in kind.fields.items()
                if not field.description
            ]
        elif isinstance(kind, GraphQLEnumType):
            missing += [
                f"{name}.{value_name}"
                for value_name, value in kind.values.items()
                if not value.description
            ]
    return missing


def test_every_type_field_argument_and_enum_value_is_described() -> None:
    assert undescribed(build_schema()._schema) == []


@strawberry.enum(description="A colour.")
class Colour(Enum):
    RED = "red"


@strawberry.input(description="A filter.")
class ColourFilter:
    colour: str | None = None


def shade(where: ColourFilter | None = None) -> str:
    return "red"


@strawberry.type(description="A root with some parts left undescribed.")
class PartlyDescribed:
    plain: int = 1
    tone: Colour = strawberry.field(default=Colour.RED, description="Described.")
    shade: str = strawberry.field(resolver=shade, description="Described, not its argument.")


def test_the_description_check_names_what_is_undescribed() -> None:
    found = undescribed(strawberry.Schema(query=PartlyDescribed)._schema)
    assert sorted(found) == [
        "Colour.RED",
        "ColourFilter.colour",
        "PartlyDescribed.plain",
        "PartlyDescribed.shade(where)",
    ]

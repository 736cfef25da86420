import ts from "typescript";

// How scripts/client-types.ts prints a type the compiler resolved: plain TypeScript, no import.

/** zod's recursive JSON type, printed by this name. */
const JSON_ALIAS = "JSONType";
export const JSON_VALUE = "export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };";

/**
 * Prints one type's structure as TypeScript. An object type that is itself one of the named types (`names`,
 * the source's aliases) is printed by its name, not spelled out again, and noted in `uses`: so a run's
 * tasks read `Task[]`, as the schemas compose them.
 */
export class TypePrinter {
  usesJson = false;
  readonly uses = new Set<string>();
  readonly #stack = new Set<ts.Type>();

  readonly checker: ts.TypeChecker;
  readonly context: string;
  readonly #names: ReadonlyMap<ts.Type, string>;
  readonly #self: ts.Type;

  constructor(checker: ts.TypeChecker, context: string, names: ReadonlyMap<ts.Type, string>, self: ts.Type) {
    this.checker = checker;
    this.context = context;
    this.#names = names;
    this.#self = self;
  }

  print(type: ts.Type, indent: string): string {
    const { checker } = this;
    if (type.aliasSymbol?.getName() === JSON_ALIAS) {
      this.usesJson = true;
      return "JsonValue";
    }
    const named = type !== this.#self && (type.flags & ts.TypeFlags.Object) !== 0 && !checker.isArrayType(type) && !checker.isTupleType(type);
    const name = named ? this.#names.get(type) : undefined;
    if (name !== undefined) {
      this.uses.add(name);
      return name;
    }
    const flags = type.flags;
    if (flags & ts.TypeFlags.Any) throw new Error(`${this.context}: a type resolved to any (an unresolved import?)`);
    if (flags & ts.TypeFlags.Boolean) return "boolean";
    if (flags & (ts.TypeFlags.Unknown | ts.TypeFlags.String | ts.TypeFlags.Number | ts.TypeFlags.BigInt | ts.TypeFlags.Null | ts.TypeFlags.Undefined | ts.TypeFlags.Never | ts.TypeFlags.Void))
      return checker.typeToString(type);
    if (flags & (ts.TypeFlags.StringLiteral | ts.TypeFlags.NumberLiteral | ts.TypeFlags.BooleanLiteral | ts.TypeFlags.TemplateLiteral)) return checker.typeToString(type);
    if (type.isUnion()) return this.#members(type.types, indent).join(" | ");
    if (type.isIntersection()) return type.types.map((t) => this.#wrapped(t, indent)).join(" & ");
    if (flags & ts.TypeFlags.Object) return this.#object(type, indent);
    throw new Error(`${this.context}: cannot print ${checker.typeToString(type)}`);
  }

  /**
   * A union's members, with `true | false` as `boolean` where the first of them stood, and zod's JSON members
   * (what `JSONType | undefined` flattens to) as `JsonValue`.
   */
  #members(types: readonly ts.Type[], indent: string): string[] {
    const { checker } = this;
    const literal = (t: ts.Type) => (t.flags & ts.TypeFlags.BooleanLiteral ? checker.typeToString(t) : undefined);
    const isJson = (t: ts.Type | undefined) => t?.aliasSymbol?.getName() === JSON_ALIAS;
    const jsonArray = (t: ts.Type) => checker.isArrayType(t) && isJson(checker.getTypeArguments(t as ts.TypeReference)[0]);
    const jsonRecord = (t: ts.Type) =>
      (t.flags & ts.TypeFlags.Object) !== 0 && !checker.isArrayType(t) && checker.getPropertiesOfType(t).length === 0 && checker.getIndexInfosOfType(t).some((i) => isJson(i.type));
    const has = (flag: ts.TypeFlags) => types.some((t) => (t.flags & flag) !== 0);
    const json =
      types.some(jsonArray) &&
      types.some(jsonRecord) &&
      has(ts.TypeFlags.String) &&
      has(ts.TypeFlags.Number) &&
      has(ts.TypeFlags.Null) &&
      types.some((t) => literal(t) === "true") &&
      types.some((t) => literal(t) === "false");
    const jsonMember = (t: ts.Type) =>
      jsonArray(t) || jsonRecord(t) || literal(t) !== undefined || (t.flags & (ts.TypeFlags.String | ts.TypeFlags.Number | ts.TypeFlags.Null)) !== 0;
    const both = types.some((t) => literal(t) === "true") && types.some((t) => literal(t) === "false");
    const out: string[] = [];
    for (const t of types) {
      if (json && jsonMember(t)) {
        if (!out.includes("JsonValue")) out.push("JsonValue");
        this.usesJson = true;
        continue;
      }
      if (both && literal(t) !== undefined) {
        if (!out.includes("boolean")) out.push("boolean");
        continue;
      }
      out.push(this.#wrapped(t, indent));
    }
    return out;
  }

  #wrapped(type: ts.Type, indent: string): string {
    const text = this.print(type, indent);
    if (text === "JsonValue") return text;
    return (type.isUnion() && !(type.flags & ts.TypeFlags.Boolean)) || type.isIntersection() ? `(${text})` : text;
  }

  #object(type: ts.Type, indent: string): string {
    const { checker } = this;
    if (this.#stack.has(type)) throw new Error(`${this.context}: a recursive type other than JSON (${checker.typeToString(type)})`);
    this.#stack.add(type);
    try {
      if (checker.isArrayType(type)) {
        const [element] = checker.getTypeArguments(type as ts.TypeReference);
        const readonly = type.symbol?.getName() === "ReadonlyArray" ? "readonly " : "";
        return `${readonly}${this.#wrapped(element!, indent)}[]`;
      }
      if (checker.isTupleType(type)) {
        const reference = type as ts.TypeReference;
        const elementFlags = (reference.target as ts.TupleType).elementFlags;
        const elements = checker.getTypeArguments(reference).map((t, i) => {
          const f = elementFlags[i] ?? ts.ElementFlags.Required;
          if (f & ts.ElementFlags.Rest) return `...${this.#wrapped(t, indent)}[]`;
          return `${this.print(t, indent)}${f & ts.ElementFlags.Optional ? "?" : ""}`;
        });
        return `[${elements.join(", ")}]`;
      }
      if (type.getCallSignatures().length > 0 || type.getConstructSignatures().length > 0)
        throw new Error(`${this.context}: a function type (${checker.typeToString(type)}) is not JSON`);
      const inner = `${indent}  `;
      const lines: string[] = [];
      for (const property of checker.getPropertiesOfType(type)) {
        const optional = (property.flags & ts.SymbolFlags.Optional) !== 0;
        const propertyType = checker.getTypeOfSymbol(property);
        const name = /^[A-Za-z_$][\w$]*$/.test(property.getName()) ? property.getName() : JSON.stringify(property.getName());
        // `?` already admits undefined (the client is built without exactOptionalPropertyTypes).
        const text =
          optional && propertyType.isUnion() ? this.#members(propertyType.types.filter((t) => !(t.flags & ts.TypeFlags.Undefined)), inner).join(" | ") : this.print(propertyType, inner);
        lines.push(`${inner}${name}${optional ? "?" : ""}: ${text};`);
      }
      const infos = checker.getIndexInfosOfType(type);
      const indexes = infos.map((info) => `${inner}[key: ${checker.typeToString(info.keyType)}]: ${this.print(info.type, inner)};`);
      const block = (members: string[]) => `{\n${members.join("\n")}\n${indent}}`;
      // In one object type every property must fit its index signature (`code?: string` does not fit
      // `[key: string]: JsonValue`): such a pair is printed as an intersection, as zod's own types are.
      const fits = checker.getPropertiesOfType(type).every((p) => infos.every((info) => checker.isTypeAssignableTo(checker.getTypeOfSymbol(p), info.type)));
      if (lines.length > 0 && indexes.length > 0 && !fits) return `${block(lines)} & ${block(indexes)}`;
      const members = [...indexes, ...lines];
      return members.length === 0 ? "{}" : block(members);
    } finally {
      this.#stack.delete(type);
    }
  }
}

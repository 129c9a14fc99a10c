import ts from 'typescript';

/** One option an author can pass: where it is declared, and which call or interface accepts it. */
export interface SdkOption {
  /** `<declaring interface or factory>.<name>`, e.g. `TaskOptions.retries`, `s3Put.contentType`, `DagOptions.catchup`. */
  readonly key: string;
  readonly name: string;
  /** The interface that declares it, or the factory whose inline options type does. */
  readonly owner: string;
  /** The factories (TaskScope methods, `dag`) that accept it. */
  readonly acceptedBy: readonly string[];
}

/**
 * Reads the SDK's option list from its types, as the TypeScript compiler sees them: every property of the options
 * parameter of `dag()` and of each public `TaskScope` factory (intersections and generics resolved), plus the
 * nested option objects (`fargate`, `params` entries, a group's `defaultArgs`). Nothing is listed by hand, so an
 * option added to the SDK shows up here at once.
 */
export function listSdkOptions(root = 'lib/sdk/index.ts'): SdkOption[] {
  const program = ts.createProgram([root], {
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    allowImportingTsExtensions: true,
  });
  const checker = program.getTypeChecker();
  const entry = program.getSourceFile(root);
  if (entry === undefined) throw new Error(`cannot read ${root}`);
  const exports = new Map(
    checker.getExportsOfModule(checker.getSymbolAtLocation(entry)!).map((symbol) => [symbol.name, symbol]),
  );
  const found = new Map<string, { name: string; owner: string; acceptedBy: Set<string> }>();

  const ownerOf = (property: ts.Symbol, factory: string): string => {
    const declaration = property.declarations?.[0];
    const parent = declaration?.parent;
    if (parent !== undefined && ts.isInterfaceDeclaration(parent)) return parent.name.text;
    return factory;
  };
  const addPropertiesOf = (type: ts.Type, factory: string): void => {
    // A union of option shapes (a param's schema per type): each member's options.
    if (type.isUnion()) {
      for (const member of type.types) addPropertiesOf(member, factory);
      return;
    }
    for (const property of checker.getPropertiesOfType(checker.getApparentType(type))) {
      const owner = ownerOf(property, factory);
      const key = `${owner}.${property.name}`;
      const entry = found.get(key) ?? { name: property.name, owner, acceptedBy: new Set<string>() };
      entry.acceptedBy.add(factory);
      found.set(key, entry);
    }
  };
  /** The object-typed parts of a parameter's type (a union with a function, as in `optionsOrFn`, is split). */
  const optionTypes = (type: ts.Type): ts.Type[] =>
    (type.isUnion() ? type.types : [type]).filter(
      (part) =>
        part.getCallSignatures().length === 0 && (part.flags & (ts.TypeFlags.Object | ts.TypeFlags.Intersection)) !== 0,
    );

  const declaredType = (name: string) => checker.getDeclaredTypeOfSymbol(exports.get(name)!);
  const scope = declaredType('TaskScope');
  for (const method of checker.getPropertiesOfType(scope)) {
    const declaration = method.valueDeclaration;
    if (declaration === undefined || !ts.isMethodDeclaration(declaration)) continue;
    const modifiers = ts.getCombinedModifierFlags(declaration);
    if ((modifiers & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected)) !== 0) continue;
    const methodType = checker.getTypeOfSymbolAtLocation(method, declaration);
    for (const signature of methodType.getCallSignatures()) {
      for (const parameter of signature.parameters.slice(1)) {
        const parameterType = checker.getTypeOfSymbol(parameter);
        for (const part of optionTypes(parameterType)) addPropertiesOf(part, method.name);
      }
    }
  }
  const dagFunction = exports.get('dag')!;
  for (const signature of checker.getTypeOfSymbol(dagFunction).getCallSignatures()) {
    addPropertiesOf(checker.getTypeOfSymbol(signature.parameters[0]!), 'dag');
  }
  // Option objects nested in options: Fargate sizing, a param's schema, a group's / the DAG's defaultArgs.
  addPropertiesOf(declaredType('FargateOptions'), 'fargate');
  addPropertiesOf(declaredType('ParamSpec'), 'params');
  addPropertiesOf(declaredType('TaskOptions'), 'defaultArgs');

  return [...found.entries()]
    .map(([key, entry]) => ({ key, name: entry.name, owner: entry.owner, acceptedBy: [...entry.acceptedBy].sort() }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

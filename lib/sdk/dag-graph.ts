import { formatProblem, type Problem } from './errors.ts';
import type { DependencyNode } from './task-ref.ts';
import type { DeclaredTask } from './task-spec.ts';

export interface DeclaredGroup {
  readonly id: string;
  readonly parent?: string;
  readonly doc?: string;
}

/**
 * The mutable record a DAG builds up while its file is evaluated: tasks, groups, edges and the problems found
 * on the way. Nothing here throws on bad input: problems are collected so validation reports them all at once.
 */
export class DagGraph {
  readonly dagId: string;
  readonly tasks = new Map<string, DeclaredTask>();
  readonly groups = new Map<string, DeclaredGroup>();
  /** Edges between tasks or groups, by node id and kind; groups are expanded by the compiler. */
  readonly edges: Array<{ readonly from: NodeKey; readonly to: NodeKey }> = [];
  readonly problems: Problem[] = [];

  constructor(dagId: string) {
    this.dagId = dagId;
  }

  addEdge(from: DependencyNode, to: DependencyNode): void {
    if (from.graph !== this || to.graph !== this) {
      // Name the node of this DAG: `local.then(foreign)` is a mistake on its downstream side.
      const foreignUpstream = from.graph !== this;
      const [local, foreign] = foreignUpstream ? [to, from] : [from, to];
      this.problem({
        taskId: local.id,
        field: foreignUpstream ? 'upstream' : 'downstream',
        message: `'${foreign.id}' belongs to DAG '${foreign.graph.dagId}'; dependencies cannot cross DAGs`,
      });
      return;
    }
    this.edges.push({ from: { kind: from.nodeKind, id: from.id }, to: { kind: to.nodeKind, id: to.id } });
  }

  problem(problem: Omit<Problem, 'dagId'>): void {
    this.problems.push({ dagId: this.dagId, ...problem });
  }

  describeProblems(): string[] {
    return this.problems.map(formatProblem);
  }
}

export interface NodeKey {
  readonly kind: 'task' | 'group';
  readonly id: string;
}

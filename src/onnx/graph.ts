/** Collects the nodes and initializers of an ONNX graph as the exporters add them. */
import type { AttributeValue, OnnxInitializer, OnnxNode } from './messages';

export class OnnxGraphBuilder {
  readonly nodes: OnnxNode[] = [];
  readonly initializers: OnnxInitializer[] = [];
  private readonly scalars = new Map<number, string>();
  private readonly names = new Set<string>();

  /** A name not used yet by a node, tensor or initializer (`base`, else `base_2`, …). */
  private unique(base: string): string {
    let name = base;
    for (let k = 2; this.names.has(name); k++) name = `${base}_${k}`;
    this.names.add(name);
    return name;
  }

  /** Reserves a name the graph must keep as given (its input). */
  reserve(name: string): void {
    this.names.add(name);
  }

  /** A float32 initializer (copied); returns its name. */
  weight(name: string, dims: number[], values: Float32Array): string {
    const unique = this.unique(name);
    this.initializers.push({ name: unique, dims, values: values.slice() });
    return unique;
  }

  /** An int64 initializer (a Reshape's shape; `dims` [] for a scalar); returns its name. */
  int64(name: string, values: number[], dims: number[] = [values.length]): string {
    const unique = this.unique(name);
    this.initializers.push({ name: unique, dims, int64: [...values] });
    return unique;
  }

  /** A float32 scalar constant, shared by every node that uses the same value. */
  scalar(value: number): string {
    const key = Math.fround(value);
    let name = this.scalars.get(key);
    if (!name) {
      name = this.weight(`const_${key}`, [], Float32Array.of(key));
      this.scalars.set(key, name);
    }
    return name;
  }

  /** Appends a node with one output, named like the node; returns the output's name. */
  node(op: string, name: string, inputs: string[], attributes?: Record<string, AttributeValue>): string {
    const unique = this.unique(name);
    this.nodes.push({ op, name: unique, inputs, outputs: [unique], ...(attributes ? { attributes } : {}) });
    return unique;
  }

  /** Appends a node with several outputs (`outputs`: their names' suffixes); returns their names. */
  nodeOutputs(
    op: string,
    name: string,
    inputs: string[],
    outputs: string[],
    attributes?: Record<string, AttributeValue>,
  ): string[] {
    const unique = this.unique(name);
    const names = outputs.map((o) => this.unique(`${unique}/${o}`));
    this.nodes.push({ op, name: unique, inputs, outputs: names, ...(attributes ? { attributes } : {}) });
    return names;
  }

  /** The node whose output `tensor` is (undefined for the graph input and initializers). */
  producerOf(tensor: string): OnnxNode | undefined {
    return this.nodes.find((n) => n.outputs.includes(tensor));
  }

  /** Gives the node that produced `tensor` one more output (an optional one nobody reads). */
  addOutput(tensor: string, name: string): void {
    const node = this.producerOf(tensor);
    if (!node) throw new Error(`OnnxGraphBuilder: no node produces ${tensor}`);
    node.outputs.push(this.unique(name));
  }

  /** Makes `tensor` the graph output named `output`: renames the node output that produced it,
   *  or adds an Identity when the tensor is the graph input itself (a model of dropout only). */
  setOutput(tensor: string, output: string): void {
    const producer = this.producerOf(tensor);
    if (!producer) {
      this.nodes.push({ op: 'Identity', name: this.unique('Identity'), inputs: [tensor], outputs: [output] });
      return;
    }
    producer.outputs[producer.outputs.indexOf(tensor)] = output;
    for (const n of this.nodes) n.inputs = n.inputs.map((i) => (i === tensor ? output : i));
  }
}

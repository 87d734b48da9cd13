/**
 * Minimal ambient declarations of the Node-RED editor globals used by src/editor (the browser side).
 * Deliberately loose: only what the dialogs call is named, everything else is `any`.
 * See https://nodered.org/docs/creating-nodes/node-html for the real API.
 */

/** A node definition as passed to RED.nodes.registerType (defaults, credentials, label, oneditprepare, ...). */
interface RedNodeDefinition {
  category: string;
  defaults: Record<string, RedPropertyDefinition>;
  credentials?: Record<string, { type: 'text' | 'password'; required?: boolean; label?: string; value?: unknown }>;
  [key: string]: any;
}

/** One entry of `defaults`: https://nodered.org/docs/creating-nodes/properties */
interface RedPropertyDefinition {
  value?: unknown;
  required?: boolean;
  type?: string;
  label?: string;
  validate?: (this: any, value: any, opt?: { label?: string }) => boolean | string;
  [key: string]: any;
}

/** The subset of the editor API used here. */
interface RedEditorApi {
  nodes: {
    registerType(type: string, definition: RedNodeDefinition): void;
    /** The editor-side node (or config node) with that id, if any. */
    node(id: string): any;
    [key: string]: any;
  };
  validators: {
    number(blankAllowed?: boolean, opt?: any): (value: any, opt?: any) => boolean | string;
    regex(re: RegExp, opt?: any): (value: any, opt?: any) => boolean | string;
    typedInput(...args: any[]): (value: any, opt?: any) => boolean | string;
    [key: string]: any;
  };
  /** i18n lookup. */
  _(key: string, options?: any): string;
  [key: string]: any;
}

declare const RED: RedEditorApi;
/** jQuery, as provided by the editor. */
declare const $: JQueryStatic;

/** jQuery widgets the Node-RED editor adds. */
interface JQuery<TElement = HTMLElement> {
  editableList(...args: any[]): any;
  typedInput(...args: any[]): any;
  i18n(...args: any[]): any;
}

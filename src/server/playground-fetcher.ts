/**
 * The playground's fetcher, as inline script: what GraphiQL calls to run an operation. Queries and mutations are
 * POSTed to /graphql with the Headers editor's headers; subscriptions go over graphql-ws on the same path with the
 * editor's `Authorization` in `connection_init` — where hubql checks credentials, before any subscription starts.
 * (GraphiQL's own WebSocket executor passes headers only per operation, after the connection was accepted, so with
 * tokens on it could not subscribe.) Plain ES2020 for the browser; nothing loaded from elsewhere.
 */
export const PLAYGROUND_FETCHER = String.raw`
function hubqlFetcher(endpoint) {
  const operationType = (params) => {
    const text = String(params.query || "").replace(/#[^\n]*/g, "");
    const named = params.operationName
      ? new RegExp("\\b(query|mutation|subscription)\\s+" + params.operationName + "\\b").exec(text)
      : /^\s*(query|mutation|subscription)\b/.exec(text);
    return named ? named[1] : "query";
  };
  const authorization = (headers) => {
    for (const [name, value] of Object.entries(headers || {})) {
      if (name.toLowerCase() === "authorization") return String(value);
    }
    return null;
  };
  const subscribe = (params, headers) => {
    const url = new URL(endpoint, location.href);
    url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
    const socket = new WebSocket(url, "graphql-transport-ws");
    const queue = [];
    let wake = null;
    let done = false;
    const push = (item) => {
      queue.push(item);
      if (wake) wake(), (wake = null);
    };
    const finish = (item) => {
      if (done) return;
      done = true;
      if (item) push(item);
      push(null);
    };
    socket.onopen = () => {
      const token = authorization(headers);
      socket.send(JSON.stringify({ type: "connection_init", payload: token ? { authorization: token } : {} }));
    };
    socket.onmessage = (event) => {
      const message = JSON.parse(event.data);
      if (message.type === "connection_ack") {
        socket.send(JSON.stringify({ id: "1", type: "subscribe", payload: params }));
      } else if (message.type === "ping") {
        socket.send(JSON.stringify({ type: "pong" }));
      } else if (message.type === "next") {
        push(message.payload);
      } else if (message.type === "error") {
        finish({ errors: message.payload });
      } else if (message.type === "complete") {
        finish(null);
      }
    };
    socket.onclose = (event) => {
      const reason = event.reason || "the connection closed";
      finish(event.code === 1000 ? null : { errors: [{ message: reason, extensions: { closeCode: event.code } }] });
    };
    return {
      [Symbol.asyncIterator]() {
        return this;
      },
      async next() {
        while (queue.length === 0) await new Promise((resolve) => (wake = resolve));
        const item = queue.shift();
        return item === null ? { done: true, value: undefined } : { done: false, value: item };
      },
      async return() {
        done = true;
        if (socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify({ id: "1", type: "complete" }));
        socket.close(1000, "done");
        return { done: true, value: undefined };
      },
    };
  };
  return (params, options) => {
    const headers = (options && options.headers) || {};
    if (operationType(params) === "subscription") return subscribe(params, headers);
    return fetch(endpoint, {
      method: "POST",
      headers: Object.assign({ "content-type": "application/json", accept: "application/json" }, headers),
      body: JSON.stringify(params),
    }).then((response) => response.json());
  };
}
function hubqlRender(root, options) {
  const { endpoint, ...rest } = options;
  return YogaGraphiQL.renderYogaGraphiQL(root, Object.assign(rest, { fetcher: hubqlFetcher(endpoint) }));
}
`;

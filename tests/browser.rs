//! The HTML pages in a real headless browser (Chromium): at 400 and 1,400 px wide the
//! leaderboard's main tables are not clipped and the page does not scroll sideways; a click
//! on a column header sorts; the "hide the simulated reference agents" box hides them. The
//! SmolLM2 full-protocol report does not scroll sideways at 400 or 390 px either (its tables
//! scroll inside their cards, and each table cut at the right says so).
//!
//! Neither the leaderboard nor the detail pages break a line where a reader loses what a
//! number means: between a number and its unit, inside a product of counts or an interval,
//! or after a "·" separator (see [`BAD_BREAKS`]).
//!
//! A check script is appended to a copy of each page; it writes its findings as JSON into an
//! attribute of <body>, which `--dump-dom` prints. Skipped, with a message, where no
//! Chromium is installed (CI installs one).

use selfinterp::leaderboard;
use selfinterp::reports::{self, Format, ReportOptions};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The first Chromium-like browser on PATH.
fn browser() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .flat_map(|b| std::env::split_paths(&path).map(move |d| d.join(b)))
        .find(|p| p.is_file())
}

/// `badBreaks()`: every place where the laid-out text breaks a line at a space it should not:
/// after a "·" separator, between a number and the word, "×" or "=" that follows it, after
/// "×" or "=", before a "‡" or "≈" mark, or after the comma of an interval "[a, b]". Each is
/// given as the text around it with "⏎" where the line breaks. A break inside a word (a
/// hyphen, a long hash) is not a finding.
pub const BAD_BREAKS: &str = r#"<script>
function badBreaks(){
  var found=[], last=null, spaced=false, walker=document.createTreeWalker(document.body,NodeFilter.SHOW_TEXT), n;
  function block(el){
    while(el&&el!==document.body){if(getComputedStyle(el).display.indexOf('inline')!==0)return el;el=el.parentElement;}
    return document.body;
  }
  while((n=walker.nextNode())){
    var el=n.parentElement;
    if(!el||el.closest('script,style')||!el.getClientRects().length)continue;
    var b=block(el);
    for(var i=0;i<n.data.length;i++){
      var c=n.data[i];
      if(/\s/.test(c)){spaced=true;continue;}
      var r=document.createRange();r.setStart(n,i);r.setEnd(n,i+1);
      var box=r.getBoundingClientRect();
      if(!box.width&&!box.height)continue;
      var same=last&&last.block===b, text=same?last.text+(spaced?' ':''):'';
      if(same&&spaced&&box.top>=last.bottom-2){
        var p=last.c, open=last.text.lastIndexOf('[')>last.text.lastIndexOf(']');
        if(p==='·'||(/[0-9%]/.test(p)&&/[A-Za-z×=]/.test(c))||p==='×'||p==='='||c==='='||c==='‡'||c==='≈'||(p===','&&open))
          found.push(last.text.slice(-30)+'⏎'+n.data.slice(i,i+20));
      }
      last={c:c,bottom:box.bottom,block:b,text:text+c};spaced=false;
    }
  }
  return found;
}
</script>"#;

const LEADERBOARD_CHECK: &str = r#"<script>
(function(){
  var vw=document.documentElement.clientWidth, out={vw:vw};
  out.badBreaks=badBreaks();
  out.overflow=document.documentElement.scrollWidth-vw;
  out.clipped=[].filter.call(document.querySelectorAll('table.board'),function(t){
    var r=t.getBoundingClientRect();
    return r.right>vw+0.5||r.left<-0.5||t.scrollWidth>t.clientWidth+1;
  }).length;
  var t=[].reduce.call(document.querySelectorAll('table.board.sim'),function(a,b){return b.rows.length>a.rows.length?b:a;});
  var th=t.tHead.rows[0].cells[2];
  function col(){return [].map.call(t.tBodies[0].rows,function(r){return r.cells[2].getAttribute('data-v');});}
  th.click();out.asc=col();th.click();out.desc=col();
  function shown(sel){return [].map.call(document.querySelectorAll(sel),function(x){return x.offsetParent!==null;});}
  var box=document.getElementById('hide-sim');
  box.click();out.simHidden=shown('table.board.sim');out.modelsWhileHidden=shown('table.board.models');
  box.click();out.simShownAgain=shown('table.board.sim');
  parent.postMessage(JSON.stringify(out),'*');
})();
</script></body>"#;

/// A page's findings (the detail pages, the viewer's index): overflow, bad breaks, and each
/// word of a command (`<code>`) that a line break splits (after "--", at a hyphen of a path;
/// a break after a path's "/" is allowed).
pub(crate) const DETAIL_CHECK: &str = r#"<script>
(function(){
  var vw=document.documentElement.clientWidth, split=[];
  [].forEach.call(document.querySelectorAll('code'),function(code){
    var t=code.textContent, prev=null, last=null;
    var w=document.createTreeWalker(code,NodeFilter.SHOW_TEXT), n, k=0;
    while((n=w.nextNode())){
      for(var i=0;i<n.data.length;i++,k++){
        var c=n.data[i], after=last;last=c;
        if(c===' '||after==='/'){prev=null;if(c===' ')continue;}
        var r=document.createRange();r.setStart(n,i);r.setEnd(n,i+1);
        var top=r.getBoundingClientRect().top;
        if(prev!==null&&top>prev+2)split.push(t.slice(Math.max(0,k-20),k)+'⏎'+t.slice(k,k+10));
        prev=top;
      }
    }
  });
  parent.postMessage(JSON.stringify({vw:vw,overflow:document.documentElement.scrollWidth-vw,badBreaks:badBreaks(),splitWords:split}),'*');
})();
</script></body>"#;

const REPORT_CHECK: &str = r#"<script>
(function(){
  var vw=document.documentElement.clientWidth, h=document.getElementById('headline').getBoundingClientRect();
  var out={vw:vw,overflow:document.documentElement.scrollWidth-vw,headlineRight:h.right};
  var boxes=[].filter.call(document.querySelectorAll('.scroll'),function(d){return d.scrollWidth>d.clientWidth+1;});
  out.cut=boxes.map(function(d){return d.closest('section')?d.closest('section').id:'?';});
  out.unsaid=boxes.filter(function(d){var p=d.previousElementSibling;
    return !(p&&p.classList.contains('scroll-hint')&&p.offsetParent!==null);}).length;
  var c=document.querySelector('#context-table').parentNode.previousElementSibling;
  out.contextsHint=c.classList.contains('on')?c.textContent:'';
  out.noteWidth=document.querySelector('#quality td.note').getBoundingClientRect().width;
  parent.postMessage(JSON.stringify(out),'*');
})();
</script></body>"#;

/// Loads `page` with `check` appended in a frame `width` px wide and returns the check's
/// findings. A frame, because headless Chromium will not make its window narrower than
/// 500 px; the frame's own viewport is `width` wide, media queries included. The check
/// posts its findings to the wrapper, which writes them where `--dump-dom` shows them.
pub(crate) fn check(
    chromium: &Path,
    dir: &Path,
    page: &str,
    check: &str,
    width: u32,
) -> serde_json::Value {
    let inner: PathBuf = dir.join(format!("page-{width}.html"));
    std::fs::write(&inner, page.replace("</body>", check)).unwrap();
    let file: PathBuf = dir.join(format!("check-{width}.html"));
    std::fs::write(
        &file,
        format!(
            "<!DOCTYPE html><html><body style=\"margin:0\"><iframe src=\"page-{width}.html\" \
style=\"border:0;width:{width}px;height:900px\"></iframe><script>addEventListener('message',\
function(e){{document.body.setAttribute('data-check',e.data);}});</script></body></html>"
        ),
    )
    .unwrap();
    let out = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--allow-file-access-from-files",
            &format!("--window-size={},900", width.max(500)),
            "--virtual-time-budget=3000",
            "--dump-dom",
        ])
        .arg(format!("file://{}", file.display()))
        .output()
        .unwrap();
    let dom: String = String::from_utf8_lossy(&out.stdout).to_string();
    let start: usize = dom.find("data-check=\"").unwrap_or_else(|| {
        panic!(
            "the check did not run:\n{}",
            String::from_utf8_lossy(&out.stderr)
        )
    }) + "data-check=\"".len();
    let raw: &str = &dom[start..start + dom[start..].find('"').unwrap()];
    serde_json::from_str(&raw.replace("&quot;", "\"").replace("&amp;", "&")).unwrap()
}

fn nums(v: &serde_json::Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_str().unwrap().parse::<f64>().unwrap_or(f64::NAN))
        .collect()
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn leaderboard_and_report_work_in_a_real_browser() {
    let Some(chromium) = browser() else {
        println!(
            "SKIPPED: no chromium on PATH (apt-get install -y chromium); browser checks not run"
        );
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let entries = leaderboard::load_all(&repo().join("results")).unwrap();
    let pages: Vec<(String, String)> = leaderboard::render(&entries);
    let page = |name: &str| -> &str { &pages.iter().find(|(f, _)| f == name).unwrap().1 };
    let html: &str = page(leaderboard::HTML_FILE);
    let leaderboard_check: String = format!("{BAD_BREAKS}{LEADERBOARD_CHECK}");
    for width in [390, 1400] {
        let v = check(&chromium, tmp.path(), html, &leaderboard_check, width);
        assert_eq!(v["vw"], width, "{v}");
        // At 390 px these were "10 reports ·" ending a heading's line, "100" over
        // "contexts", and "100 × 10,000 ×" over "1,000" in a row's card.
        assert_eq!(
            v["badBreaks"],
            serde_json::json!([]),
            "the leaderboard breaks a line badly at {width} px"
        );
        assert_eq!(
            v["overflow"], 0,
            "the page scrolls sideways at {width} px: {v}"
        );
        assert_eq!(
            v["clipped"], 0,
            "a main table is clipped at {width} px: {v}"
        );
        // Ascending then descending by r; missing values last both times.
        let (asc, desc) = (nums(&v["asc"]), nums(&v["desc"]));
        let defined = |x: &[f64]| {
            x.iter()
                .copied()
                .filter(|v| !v.is_nan())
                .collect::<Vec<_>>()
        };
        assert!(defined(&asc).windows(2).all(|w| w[0] <= w[1]), "{v}");
        assert!(defined(&desc).windows(2).all(|w| w[0] >= w[1]), "{v}");
        assert!(
            asc.last().unwrap().is_nan() && desc.last().unwrap().is_nan(),
            "{v}"
        );
        let all = |k: &str, want: bool| {
            v[k].as_array()
                .unwrap()
                .iter()
                .all(|x| x.as_bool() == Some(want))
        };
        assert!(
            all("simHidden", false) && all("modelsWhileHidden", true),
            "{v}"
        );
        assert!(all("simShownAgain", true), "{v}");
    }

    // The detail pages: at 390 px "(clamped to [-1," over "1])", "1" over "= same scale" and
    // "(95% CI [-0.461," over "-0.248])"; and at both widths the command for the full report
    // broke after "--", before "format html".
    let detail_check: String = format!("{BAD_BREAKS}{DETAIL_CHECK}");
    for (entry, width) in [
        ("smollm2-135m-instruct-native-full", 390),
        // The longest entry name: its path is wider than a phone unless it breaks at "/".
        ("smollm2-135m-instruct-native-100x20", 390),
        ("sim-faithful-native-quick", 390),
        ("sim-faithful-native-quick", 1280),
    ] {
        let file: String = format!("{}/{entry}.html", leaderboard::DETAILS_DIR);
        let v = check(&chromium, tmp.path(), page(&file), &detail_check, width);
        assert_eq!(
            v["overflow"], 0,
            "{file} scrolls sideways at {width} px: {v}"
        );
        assert_eq!(
            v["badBreaks"],
            serde_json::json!([]),
            "{file} breaks a line badly at {width} px"
        );
        assert_eq!(
            v["splitWords"],
            serde_json::json!([]),
            "{file} splits a word of a command at {width} px"
        );
    }

    let dir: PathBuf = repo().join("results/smollm2-135m-instruct-native-full");
    let scored = reports::load(&repo().join("benchmark"), &dir).unwrap();
    let page: String =
        reports::exporter(Format::Html).render(&reports::build(&scored, &ReportOptions::default()));
    for width in [400, 390] {
        let v = check(&chromium, tmp.path(), &page, REPORT_CHECK, width);
        assert_eq!(
            v["overflow"], 0,
            "the report scrolls sideways at {width} px: {v}"
        );
        assert!(v["headlineRight"].as_f64().unwrap() <= width as f64, "{v}");
        // A table cut at the right says it scrolls (the measurement-quality table at 390 px
        // was cut with no sign of more).
        assert!(
            v["cut"].as_array().unwrap().iter().any(|s| s == "quality"),
            "the quality table fits at {width} px now; pick another cut table: {v}"
        );
        assert_eq!(
            v["unsaid"], 0,
            "a table is cut at {width} px with no hint that it scrolls: {v}"
        );
        // The contexts table shows 5 of its 100 contexts and scrolls down as well: its hint
        // said only "sideways" (scripts/screenshots.sh, at both widths).
        assert_eq!(
            v["contextsHint"], "This table scrolls sideways \u{2192} and down \u{2193}",
            "{v}"
        );
        // The quality table's "what it means" column keeps a readable width (it was squeezed
        // to a word a line at 390 px: a cell ignores min-width, so its text holds it).
        assert!(v["noteWidth"].as_f64().unwrap() >= 240.0, "{v}");
    }
    let v = check(&chromium, tmp.path(), &page, REPORT_CHECK, 1400);
    assert!(
        v["contextsHint"]
            .as_str()
            .unwrap()
            .ends_with("down \u{2193}"),
        "{v}"
    );
}

/// The book's style sheet and script, compiled into the tool (no resource bundle to find at run
/// time, and nothing fetched from the network). Edit `Style.swift` and `Script.swift`.
enum Assets {
    /// Runs in `<head>` before the first paint: applies the reader's remembered theme, so a dark page
    /// never flashes light.
    static let themeBootstrap = "try{var t=localStorage.getItem('segbook-theme');if(t==='dark'||t==='light')document.documentElement.dataset.theme=t;}catch(e){}"
}

"""One module per stage: SECTIONS (config sections it reads), UPSTREAM (stages it reads),
`run(ctx) -> summary dict` writing only into `ctx.out`."""
